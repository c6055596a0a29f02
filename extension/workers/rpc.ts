// Request/response over one worker thread: numbered requests, a map of pending promises, and a worker that can
// die. When it dies (native abort, out of memory, process.exit, an uncaught error) every pending request is
// rejected at once with what it was doing, and the next request starts a fresh worker (re-initialised by `init`)
// instead of waiting forever on a dead one.
import { Worker } from 'node:worker_threads';

/** What a worker posts back: the request's id, and either an error or the result fields. */
export type RpcReply = { id: number; error?: { name: string; message: string } } & Record<string, unknown>;

/** A request as the caller writes it (the id is added here); `kind` names the operation. */
export interface RpcRequestBody {
  kind: string;
}

/** Rejected for requests that were pending, or sent, when the worker stopped. */
export class WorkerDiedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkerDiedError';
  }
}

export interface WorkerRpcOptions {
  /** Names the worker in errors, e.g. "the inference worker". */
  name: string;
  /** Creates the worker thread; called on first use and again after each death. */
  spawn: () => Worker;
  /**
   * Brings a fresh worker to a usable state (e.g. loads the model) before any other request reaches it.
   * Called through `send`, which bypasses the queue of callers waiting for init.
   */
  init?: (send: (body: RpcRequestBody, transfer?: ArrayBuffer[]) => Promise<RpcReply>) => Promise<void>;
}

type Pending = { resolve: (reply: RpcReply) => void; reject: (error: Error) => void; what: string };

export class WorkerRpc {
  private worker: Worker | undefined;
  /** Resolves when the current worker has been initialised; rejects when its init failed. */
  private ready: Promise<void> | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private closed = false;
  /** How many workers this client has started (1 + restarts). */
  starts = 0;
  /** Why the last worker stopped, when one died. */
  lastDeath: string | undefined;

  constructor(private readonly options: WorkerRpcOptions) {}

  /**
   * 'idle': no worker started yet; 'running'; 'dead': the last worker died (the next request starts a new one);
   * 'closed' after close().
   */
  get state(): 'idle' | 'running' | 'dead' | 'closed' {
    return this.closed ? 'closed' : this.worker ? 'running' : this.lastDeath ? 'dead' : 'idle';
  }

  /**
   * Sends a request, starting (and initialising) a worker first when there is none. `what` describes the request
   * in errors ("running image a.jpg"). Rejects with WorkerDiedError when the worker stops before answering.
   */
  async request(body: RpcRequestBody, transfer: ArrayBuffer[] = [], what = body.kind): Promise<RpcReply> {
    if (this.closed) throw new Error(`${this.options.name} is closed (${what})`);
    await this.open();
    return this.send(body, transfer, what);
  }

  /** Starts and initialises a worker now (when none runs) so that init failures surface here. */
  async open(): Promise<void> {
    if (this.closed) throw new Error(`${this.options.name} is closed`);
    if (!this.worker) this.start();
    await this.ready;
  }

  /** Terminates the worker, rejecting whatever is still pending; later requests are refused. */
  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = undefined;
    this.failPending(`${this.options.name} was closed`);
    if (worker) await worker.terminate();
  }

  private start(): void {
    const worker = this.options.spawn();
    this.worker = worker;
    this.starts++;
    worker.on('message', (reply: RpcReply) => {
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      if (reply.error) p.reject(Object.assign(new Error(reply.error.message), { name: reply.error.name }));
      else p.resolve(reply);
    });
    // 'error' (an uncaught exception in the worker) is followed by 'exit'; whichever comes first ends this worker.
    worker.on('error', (error) => this.died(worker, `failed: ${error.message}`));
    worker.on('exit', (code) => this.died(worker, `stopped (exit code ${code})`));
    const init = this.options.init;
    this.ready = init ? init((body, transfer = []) => this.send(body, transfer, `starting (${body.kind})`)) : Promise.resolve();
    // A failed init is reported to every caller awaiting `ready`; the worker is dropped so the next request retries.
    this.ready.catch(() => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      void worker.terminate();
    });
  }

  private send(body: RpcRequestBody, transfer: ArrayBuffer[], what: string): Promise<RpcReply> {
    const worker = this.worker;
    if (!worker) return Promise.reject(new WorkerDiedError(`${this.options.name} ${this.lastDeath ?? 'is not running'} before ${what}`));
    const id = this.nextId++;
    return new Promise<RpcReply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, what });
      worker.postMessage({ ...body, id }, transfer);
    });
  }

  private died(worker: Worker, how: string): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    this.lastDeath = how;
    this.failPending(`${this.options.name} ${how}`);
  }

  private failPending(message: string): void {
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.reject(new WorkerDiedError(`${message} while ${p.what}`));
  }
}
