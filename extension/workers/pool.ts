// A fixed pool of worker threads speaking the WorkerRpc protocol: each request goes to the worker with the fewest
// requests in flight. A worker that dies fails only its own pending requests and is restarted on its next use.
import type { Worker } from 'node:worker_threads';
import { WorkerRpc, type RpcReply, type RpcRequestBody } from './rpc.ts';

export class WorkerPool {
  private readonly workers: { rpc: WorkerRpc; inFlight: number }[];

  constructor(name: string, size: number, spawn: () => Worker) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`${name}: pool size must be a positive integer, got ${size}`);
    this.workers = Array.from({ length: size }, (_, i) => ({ rpc: new WorkerRpc({ name: `${name} ${i + 1}`, spawn }), inFlight: 0 }));
  }

  get size(): number {
    return this.workers.length;
  }

  async request(body: RpcRequestBody, transfer: ArrayBuffer[] = [], what = body.kind): Promise<RpcReply> {
    const worker = this.workers.reduce((a, b) => (b.inFlight < a.inFlight ? b : a));
    worker.inFlight++;
    try {
      return await worker.rpc.request(body, transfer, what);
    } finally {
      worker.inFlight--;
    }
  }

  /**
   * Starts every worker now, so that a thread's start-up overlaps the caller's own work (reading a run) instead of
   * delaying its first request. A worker that fails to start is started again by the next request.
   */
  warm(): void {
    for (const w of this.workers) w.rpc.open().catch(() => undefined);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.rpc.close()));
  }
}
