/**
 * Groups concurrent submissions into batches written by one call ("natural batching"): with no
 * load a submission is written at once, alone; under load, whatever arrives while earlier batches
 * are being written goes into the next one. No timer adds latency. Each submission's promise
 * settles with its own result after its batch has been written (for the inbound store: committed).
 */
export class MicroBatcher<In, Out> {
  private queue: { input: In; resolve: (out: Out) => void; reject: (err: unknown) => void }[] = [];
  private inFlight = 0;

  constructor(
    private readonly writeBatch: (inputs: In[]) => Promise<Out[]>,
    private readonly options: {
      maxBatch: number;
      /** Batches written at the same time (each takes a database connection). */
      concurrency: number;
      /** Called with a batch that failed as a whole, before its items are retried one by one. */
      onBatchError?: (error: unknown, size: number) => void;
    },
  ) {}

  submit(input: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.options.concurrency && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.maxBatch);
      this.inFlight += 1;
      void this.write(batch).finally(() => {
        this.inFlight -= 1;
        this.pump();
      });
    }
  }

  private async write(batch: typeof this.queue): Promise<void> {
    try {
      const results = await this.writeBatch(batch.map((b) => b.input));
      batch.forEach((b, i) => {
        b.resolve(results[i]!);
      });
    } catch (error) {
      if (batch.length === 1) {
        batch[0]!.reject(error);
        return;
      }
      // One bad item must not fail its neighbours: write each alone so only it gets the error.
      this.options.onBatchError?.(error, batch.length);
      for (const item of batch) {
        try {
          const [result] = await this.writeBatch([item.input]);
          item.resolve(result!);
        } catch (itemError) {
          item.reject(itemError);
        }
      }
    }
  }
}
