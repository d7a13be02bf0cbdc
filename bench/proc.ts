/**
 * CPU and memory of a process as Linux accounts them, for benches that run the thing measured
 * as a process of its own (the operator, Flux's controllers, a plain helm script).
 *
 *   CPU  = utime + stime of the process (all its threads) + cutime + cstime: the CPU of its
 *          children once it has waited for them (helm processes the operator ran and reaped).
 *   RSS  = VmRSS, sampled every second; the peak is the largest sample.
 *   Children are counted as they are seen (direct children, each pid once).
 */
import { readFileSync } from 'node:fs';

const clockTicks = 100; // USER_HZ: 100 on every Linux this runs on (getconf CLK_TCK).

export interface CpuTimes {
  /** Seconds of CPU of the process itself. */
  readonly self: number;
  /** Seconds of CPU of children it has waited for. */
  readonly children: number;
}

/** CPU seconds of `pid` so far; undefined once it is gone. */
export function cpuTimes(pid: number): CpuTimes | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name may hold spaces and parentheses: the fields start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const at = (field: number) => Number(fields[field - 3]);
  return { self: (at(14) + at(15)) / clockTicks, children: (at(16) + at(17)) / clockTicks };
}

/** Resident memory of `pid` in MiB; undefined once it is gone. */
export function rssMiBOf(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Busy and total CPU seconds of the whole machine so far (/proc/stat's first line; idle and iowait are not busy). */
function machineTimes(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  return { busy: (total - fields[3]! - fields[4]!) / clockTicks, total: total / clockTicks };
}

/** Starts a window over the whole machine; the function it returns gives the busy share since, 0–1. */
export function machineWindow(): () => number {
  const start = machineTimes();
  return () => {
    const now = machineTimes();
    return (now.busy - start.busy) / Math.max(now.total - start.total, 1e-9);
  };
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

/** Samples a process every `intervalMs`: RSS peak, children seen; `mark()` starts a window. */
export class ProcessSampler {
  private timer: NodeJS.Timeout | undefined;
  private peak = 0;
  private readonly seen = new Map<number, string>();
  private windowSeen = new Set<number>();

  constructor(readonly pid: number, intervalMs = 1000) {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  private sample(): void {
    const rss = rssMiBOf(this.pid);
    if (rss !== undefined && rss > this.peak) this.peak = rss;
    for (const child of childrenOf(this.pid)) {
      if (!this.seen.has(child)) this.seen.set(child, commandOf(child));
      this.windowSeen.add(child);
    }
  }

  /** The largest RSS seen so far, in MiB. */
  get peakMiB(): number { return this.peak; }

  /** Starts a window: CPU and children are counted from now. */
  mark(): Window {
    this.sample();
    this.windowSeen = new Set();
    const start = cpuTimes(this.pid) ?? { self: 0, children: 0 };
    const machineBusy = machineWindow();
    const startedAt = Date.now();
    return {
      end: () => {
        this.sample();
        const now = cpuTimes(this.pid) ?? start;
        const children = [...this.windowSeen].map((pid) => this.seen.get(pid) ?? '');
        return {
          seconds: (Date.now() - startedAt) / 1000,
          cpuSelf: now.self - start.self,
          cpuChildren: now.children - start.children,
          machineBusyShare: machineBusy(),
          childrenSeen: children.length,
          helmSeen: children.filter((c) => c === 'helm').length,
        };
      },
    };
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

export interface Window {
  end(): WindowFigures;
}

export interface WindowFigures {
  /** Wall seconds of the window. */
  readonly seconds: number;
  /** CPU seconds of the process itself. */
  readonly cpuSelf: number;
  /** CPU seconds of children reaped during the window. */
  readonly cpuChildren: number;
  /** Share of the machine's CPU (all cores, every process) busy during the window, 0–1. */
  readonly machineBusyShare: number;
  /** Children seen by the 1 s sampler (a helm call shorter than that may be missed). */
  readonly childrenSeen: number;
  readonly helmSeen: number;
}
