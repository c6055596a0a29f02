// Progress on stderr: a single updating line on a terminal, occasional plain lines otherwise (CI logs).

export class Progress {
  private count = 0;
  private lastPrint = 0;
  private readonly started = performance.now();

  constructor(private readonly total: number, private readonly stream?: NodeJS.WriteStream) {}

  tick(): void {
    this.count++;
    const now = performance.now();
    if (!this.stream || (now - this.lastPrint < (this.stream.isTTY ? 100 : 5000) && this.count < this.total)) return;
    this.lastPrint = now;
    const rate = this.count / ((now - this.started) / 1000);
    const line = `${this.count}/${this.total} images (${rate.toFixed(1)}/s)`;
    this.stream.write(this.stream.isTTY ? `\r${line}\x1b[K` : `${line}\n`);
  }

  note(message: string): void {
    if (!this.stream) return;
    this.stream.write(this.stream.isTTY ? `\r\x1b[K${message}\n` : `${message}\n`);
  }

  done(message: string): void {
    this.note(message);
  }
}
