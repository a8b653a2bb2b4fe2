// Retry decisions rest on recognising libvirt's error texts; these are real messages, so a libvirt upgrade that
// rewords one shows up here rather than as a workflow retrying a hopeless step forever.
import { Failure } from '../../../domain';
import { HypervisorError } from '../../../activities/hypervisor';
import { classifyVirshError, toHypervisorError, type VirshErrorKind } from '../../../activities/libvirt/virsh';
import { VirshFailure } from '../../../activities/libvirt/virsh';

// stderr as virsh 9.0 (Debian bookworm) printed it on lab hosts, plus a few libvirt messages seen in the field.
const MESSAGES: Array<[string, VirshErrorKind, boolean]> = [
  ["error: failed to get domain 'nope'", 'not-found', true],
  ["error: Domain not found: no domain with matching name 'nope'", 'not-found', true],
  ["error: Failed to destroy domain 'exp1'\nerror: Requested operation is not valid: domain is not running", 'not-running', false],
  ["error: Failed to start domain 'exp1'\nerror: Requested operation is not valid: domain is already active", 'already-active', false],
  ['error: Requested operation is not valid: no job is active on the domain', 'no-job', false],
  [
    "error: Failed to define domain from /tmp/d.xml\nerror: operation failed: domain 'exp1' already exists with uuid 8367c203-c4a9-4507-a3f4-99322c3a9a27",
    'name-conflict',
    true,
  ],
  ["error: operation failed: domain 'other' is already defined with uuid 8367c203-c4a9-4507-a3f4-99322c3a9a27", 'name-conflict', true],
  [
    'error: Timed out during operation: cannot acquire state change lock (held by monitor=remoteDispatchDomainMigratePerform3Params)',
    'lock-timeout',
    false,
  ],
  ["error: operation aborted: job 'migration out' canceled by client", 'aborted', false],
  ["error: failed to connect to the hypervisor\nerror: internal error: unexpected qemu URI path '/foo', try qemu:///system", 'invalid-uri', true],
  ['error: failed to connect to the hypervisor\nerror: no connection driver available for xen:///system', 'invalid-uri', true],
  ["error: failed to connect to the hypervisor\nerror: Failed to connect socket to '/tmp/h0/run/libvirt-sock': No such file or directory", 'unavailable', false],
  ["error: Failed to connect socket to '/var/run/libvirt/libvirt-sock': Connection refused", 'unavailable', false],
  ['error: Cannot recv data: Connection reset by peer', 'unavailable', false],
  ['error: End of file while reading data: Input/output error', 'unavailable', false],
  ['error: Failed to define domain from bad.xml\nerror: XML error: an os <type> must be specified', 'invalid-config', true],
  ['error: Failed to define domain from bad2.xml\nerror: (domain_definition):2: Premature end of data in tag name line 1', 'invalid-config', true],
  [
    'error: Failed to define domain from u4.xml\nerror: XML document failed to validate against schema: Unable to validate doc against /usr/share/libvirt/schemas/domain.rng\nExtra element devices in interleave\nElement domain failed to validate content',
    'invalid-config',
    true,
  ],
  ["error: XML error: Invalid value for attribute 'bus' in element 'target': 'bogus'.", 'invalid-config', true],
  [
    "error: Failed to start domain 'u3'\nerror: internal error: qemu unexpectedly closed the monitor: qemu: could not open kernel file '/nonexistent/k': No such file or directory",
    'invalid-config',
    true,
  ],
  ['error: unsupported configuration: Unable to find any usable hugetlbfs mount for 2048 KiB', 'invalid-config', true],
  ['error: internal error: client socket is closed', 'unknown', false],
];

describe('classifyVirshError', () => {
  it.each(MESSAGES)('%s -> %s', (stderr, kind, permanent) => {
    expect(classifyVirshError(stderr)).toEqual({ kind, permanent });
  });
});

describe('toHypervisorError', () => {
  const failure = (stderr: string, timedOut = false) => new VirshFailure(['define', 'x.xml'], stderr, timedOut);

  it('names permanent failures by their Failure type', () => {
    const err = toHypervisorError(failure('error: XML error: an os <type> must be specified'), 'define vm-1') as HypervisorError;
    expect(err).toBeInstanceOf(HypervisorError);
    expect(err).toMatchObject({ type: Failure.DomainRejected, permanent: true });
    expect(err.message).toContain('define vm-1: error: XML error');
    expect(toHypervisorError(failure('error: no connection driver available for x:///'), 'list')).toMatchObject({ type: Failure.InvalidHost });
    expect(toHypervisorError(failure("error: failed to get domain 'x'"), 'start')).toMatchObject({ type: Failure.DomainNotFound });
  });

  it('gives transient failures the caller-chosen type', () => {
    const stderr = 'error: Timed out during operation: cannot acquire state change lock';
    expect(toHypervisorError(failure(stderr), 'migrate', Failure.MigrationFailed)).toMatchObject({ type: Failure.MigrationFailed, permanent: false });
    expect(toHypervisorError(failure(stderr), 'start')).toMatchObject({ type: 'HypervisorUnavailable', permanent: false });
  });

  it('treats a virsh timeout as transient whatever stderr said', () => {
    expect(toHypervisorError(failure("error: failed to get domain 'x'", true), 'start')).toMatchObject({ permanent: false });
  });

  it('passes other errors through unchanged', () => {
    const own = new HypervisorError('x', Failure.Cancelled, true);
    const plain = new Error('boom');
    expect(toHypervisorError(own, 'migrate')).toBe(own);
    expect(toHypervisorError(plain, 'migrate')).toBe(plain);
  });
});
