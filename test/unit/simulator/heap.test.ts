import fc from 'fast-check';
import { MinHeap } from '../../../simulator/heap';

describe('MinHeap', () => {
  it('pops in ascending order whatever the push order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer()), (values) => {
        const heap = new MinHeap<number>((a, b) => a < b);
        for (const v of values) heap.push(v);
        const out: number[] = [];
        for (let v = heap.pop(); v !== undefined; v = heap.pop()) out.push(v);
        expect(out).toEqual([...values].sort((a, b) => a - b));
      }),
    );
  });

  it('matches a sorted-array model under interleaved pushes and pops', () => {
    const op = fc.oneof(fc.integer({ min: -50, max: 50 }).map((v) => ({ push: v })), fc.constant({ pop: true }));
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const heap = new MinHeap<number>((a, b) => a < b);
        const model: number[] = [];
        for (const o of ops) {
          if ('push' in o) {
            heap.push(o.push);
            model.push(o.push);
            model.sort((a, b) => a - b);
          } else {
            expect(heap.pop()).toBe(model.shift());
          }
          expect(heap.size).toBe(model.length);
        }
      }),
    );
  });
});
