import { NameError, vmWorkflowId } from '../../../domain';

describe('workflow ids', () => {
  it('derives the VM workflow id', () => {
    expect(vmWorkflowId('my.project', 'dev_1', 'web-1')).toBe('vm/my.project/dev_1/web-1');
  });

  it('reports every bad part at once', () => {
    let error: unknown;
    try {
      vmWorkflowId('a/b', '', 'Web');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(NameError);
    expect((error as NameError).issues).toEqual([
      'project: must be 1-100 characters of A-Z, a-z, 0-9, ".", "_" and "-"',
      'stack: must be 1-100 characters of A-Z, a-z, 0-9, ".", "_" and "-"',
      'name: must be 1-63 characters of a-z, 0-9 and "-", starting with a letter',
    ]);
  });

  it.each(['', '1abc', 'a_b', 'a'.repeat(64), 'web;rm'])('rejects the VM name %j', (name) => {
    expect(() => vmWorkflowId('p', 's', name)).toThrow(NameError);
  });

  it('accepts a 63-character name', () => {
    expect(vmWorkflowId('p', 's', `a${'0'.repeat(62)}`)).toHaveLength(7 + 63);
  });
});
