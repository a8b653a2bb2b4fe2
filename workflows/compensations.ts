// The saga: each step that changes the world registers how to undo it; on failure or cancellation the undo steps run
// in reverse, shielded from cancellation, and one that fails does not stop the others (each is idempotent and the
// invariant checker reports anything they could not clean).
import { CancellationScope, log } from '@temporalio/workflow';

type Compensation = { name: string; run: () => Promise<unknown> };

export class Compensations {
  private readonly steps: Compensation[] = [];

  add(name: string, run: () => Promise<unknown>): () => void {
    const step = { name, run };
    this.steps.push(step);
    return () => {
      const i = this.steps.indexOf(step);
      if (i >= 0) this.steps.splice(i, 1);
    };
  }

  async runAll(): Promise<string[]> {
    const failed: string[] = [];
    await CancellationScope.nonCancellable(async () => {
      for (const step of [...this.steps].reverse()) {
        try {
          await step.run();
        } catch (err) {
          log.error('compensation failed', { step: step.name, error: String(err) });
          failed.push(step.name);
        }
      }
    });
    this.steps.length = 0;
    return failed;
  }
}
