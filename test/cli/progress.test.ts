import { describe, expect, it } from "vitest";
import { ProgressBar, formatDuration } from "../../ts/cli/progress.js";

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, write: (t: string) => writes.push(t) } };
}

describe("ProgressBar", () => {
  it("draws a filling bar with rate, ETA and metrics", () => {
    let t = 0;
    const { stream } = fakeStream(true);
    const bar = new ProgressBar({ epochs: 5, samples: 1000, stream, now: () => t, width: 10 });
    bar.epochBegin(1);
    t = 500; // 250 samples in 0.5 s -> 500 img/s, 750 left -> 1.5 s
    expect(bar.line(250, { loss: 0.5, accuracy: 0.75 }, false)).toBe(
      "Epoch 2/5  [==>.......]   250/1000  500 img/s  ETA 1.5s  loss 0.5000  accuracy 0.7500",
    );
    t = 2000;
    expect(bar.line(1000, { loss: 0.25 }, true)).toBe("Epoch 2/5  [==========]  1000/1000  500 img/s  2.0s  loss 0.2500");
  });

  it("redraws in place on a TTY, throttled", () => {
    let t = 0;
    const { stream, writes } = fakeStream(true);
    const bar = new ProgressBar({ epochs: 1, samples: 100, stream, now: () => t, intervalMs: 100 });
    bar.epochBegin(0);
    for (let done = 10; done <= 90; done += 10) {
      t += 20;
      bar.batchEnd(done, { loss: 1 });
    }
    expect(writes.length).toBe(2); // t = 20 draws, then nothing until t >= 120
    expect(writes.every((w) => w.startsWith("\r"))).toBe(true);
    bar.epochEnd({ loss: 1 });
    expect(writes.at(-1)!.endsWith("\n")).toBe(true);
  });

  it("prints only finished epochs when not a TTY", () => {
    const { stream, writes } = fakeStream(false);
    const bar = new ProgressBar({ epochs: 2, samples: 10, stream, now: () => 1 });
    bar.epochBegin(0);
    bar.batchEnd(5, { loss: 1 });
    bar.epochEnd({ loss: 0.5, val_loss: 0.6 });
    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatch(/^Epoch 1\/2  \[=+\]  10\/10 .* loss 0\.5000  val_loss 0\.6000\n$/);
  });

  it("rejects nonsense sizes", () => {
    expect(() => new ProgressBar({ epochs: 0, samples: 10 })).toThrow("ProgressBar: epochs must be a whole number > 0, received 0");
  });

  it("formats durations", () => {
    expect(formatDuration(5.44)).toBe("5.4s");
    expect(formatDuration(42.4)).toBe("42s");
    expect(formatDuration(185)).toBe("3m05s");
    expect(formatDuration(3720)).toBe("1h02m");
    expect(formatDuration(NaN)).toBe("?");
  });
});
