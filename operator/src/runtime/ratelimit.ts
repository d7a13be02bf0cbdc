/**
 * A token bucket: `qps` tokens a second, at most `burst` saved up. Callers reserve a token
 * and wait until it is theirs, so requests leave in order and never faster than allowed.
 */
export class TokenBucket {
  private tokens: number;
  private last = Date.now();

  constructor(private readonly qps: number, private readonly burst: number) {
    this.tokens = burst;
  }

  /** Milliseconds the caller must wait for its token (0 when one is free now). */
  reserve(now = Date.now()): number {
    // A clock step backwards must not take tokens away.
    this.tokens = Math.min(this.burst, this.tokens + (Math.max(0, now - this.last) * this.qps) / 1000);
    this.last = Math.max(this.last, now);
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens * 1000) / this.qps);
  }

  async take(): Promise<void> {
    const wait = this.reserve();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
}
