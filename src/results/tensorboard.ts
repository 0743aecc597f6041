// TensorBoard event files, written streaming: TFRecord framing around `Event` protocol buffers holding
// scalar summaries, encoded by hand (three messages, five fields: no protobuf dependency).
// Field numbers from TensorFlow's event.proto and summary.proto: Event{wall_time = 1 double, step = 2
// int64, file_version = 3 string, summary = 5 Summary}; Summary{value = 1 repeated Value}; Value{tag = 1
// string, simple_value = 2 float}. Wall time goes into these files only, never into the CSVs.
import { closeSync, openSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

/** Event files carry this suffix after `events.out.tfevents.<seconds>.<host>` (TensorBoard reads any name holding "tfevents"): it marks them as ours. */
export const TFEVENTS_SUFFIX = '.radam-run';

/** An event file's name: what TensorBoard's writers use, plus our suffix. */
export function eventFileName(wallSeconds: number, host = hostname()): string {
  return `events.out.tfevents.${Math.floor(wallSeconds)}.${host}${TFEVENTS_SUFFIX}`;
}

// ---- CRC-32C (Castagnoli), as TFRecord frames use it ----------------------------------------

/** Reflected polynomial 0x1EDC6F41. */
const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of bytes) crc = CRC32C_TABLE[(crc ^ b) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** TFRecord's masked CRC: rotate right by 15 and add a constant, so a CRC of data holding CRCs stays strong. */
export function maskedCrc32c(bytes: Uint8Array): number {
  const crc = crc32c(bytes);
  return (((crc >>> 15) | (crc << 17)) + 0xa282ead8) >>> 0;
}

/** One TFRecord: uint64 LE length, masked CRC of those 8 bytes, the data, masked CRC of the data. */
export function tfRecord(data: Uint8Array): Buffer {
  const out = Buffer.alloc(8 + 4 + data.length + 4);
  out.writeBigUInt64LE(BigInt(data.length), 0);
  out.writeUInt32LE(maskedCrc32c(out.subarray(0, 8)), 8);
  out.set(data, 12);
  out.writeUInt32LE(maskedCrc32c(data), 12 + data.length);
  return out;
}

// ---- protocol buffer encoding of the three messages ------------------------------------------

function varint(value: number): number[] {
  const bytes: number[] = [];
  let v = BigInt(value);
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    bytes.push(byte);
  } while (v > 0n);
  return bytes;
}

/** Key byte(s) of a field: (number << 3) | wire type (0 varint, 1 64-bit, 2 length-delimited, 5 32-bit). */
const key = (field: number, wire: number): number[] => varint((field << 3) | wire);

function lengthDelimited(field: number, bytes: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([...key(field, 2), ...varint(bytes.length)]), bytes]);
}

/** Summary.Value{tag, simple_value} (simple_value is a float32: TensorBoard stores scalars so). */
function summaryValue(tag: string, value: number): Buffer {
  const simple = Buffer.alloc(4);
  simple.writeFloatLE(value, 0);
  return Buffer.concat([lengthDelimited(1, Buffer.from(tag, 'utf8')), Buffer.from(key(2, 5)), simple]);
}

/** Event{wall_time, step, and file_version or summary}. */
function event(wallSeconds: number, step: number, what: Buffer): Buffer {
  const wall = Buffer.alloc(8);
  wall.writeDoubleLE(wallSeconds, 0);
  return Buffer.concat([Buffer.from(key(1, 1)), wall, Buffer.from([...key(2, 0), ...varint(step)]), what]);
}

export interface Scalar {
  tag: string;
  value: number;
}

/** An event file being appended to: each write is whole records, so a crash leaves every complete event readable. */
export class EventFileWriter {
  readonly path: string;
  private fd: number | undefined;

  /** Create the file in `dir` with its first event, file_version "brain.Event:2". `wallClock`: seconds since the epoch. */
  constructor(
    dir: string,
    private readonly wallClock: () => number = () => Date.now() / 1000,
  ) {
    const now = wallClock();
    this.path = join(dir, eventFileName(now));
    this.fd = openSync(this.path, 'a');
    this.append([event(now, 0, lengthDelimited(3, Buffer.from('brain.Event:2', 'utf8')))]);
  }

  /** One event at `step` holding `scalars` (NaN values left out: TensorBoard would draw them as gaps anyway). */
  scalars(step: number, scalars: Scalar[]): Buffer {
    const values = scalars.filter((s) => !Number.isNaN(s.value)).map((s) => lengthDelimited(1, summaryValue(s.tag, s.value)));
    return event(this.wallClock(), step, lengthDelimited(5, Buffer.concat(values)));
  }

  /** Append events (built by `scalars`) in one write. */
  append(events: Buffer[]): void {
    if (this.fd === undefined) throw new Error(`event file ${this.path} is closed`);
    const bytes = Buffer.concat(events.map(tfRecord));
    let done = 0;
    while (done < bytes.length) done += writeSync(this.fd, bytes, done);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
