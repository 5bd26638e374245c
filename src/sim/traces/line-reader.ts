import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { TesseraError } from '../../core/errors/tessera-error.js';

const CHUNK_BYTES = 1 << 16;

/**
 * Reads a text file line by line in fixed-size chunks with synchronous reads.
 *
 * Why synchronous: the engine pulls arrivals from inside event handlers, which cannot await. A
 * 64 KiB buffer keeps memory flat however long the trace is, and a chunk read per ~1,000 rows costs
 * nothing next to the simulation. The file closes itself at the end (or on `close()`).
 */
export class LineReader {
  private fd: number | undefined;
  private readonly buf = Buffer.allocUnsafe(CHUNK_BYTES);
  private bufEnd = 0;
  private bufPos = 0;
  // Bytes of a line that straddles chunks, kept as bytes so a multi-byte character split by the
  // chunk boundary still decodes.
  private carry: Buffer[] = [];
  private eof = false;
  /** 1-based number of the line `next` returned last. */
  lineNumber = 0;

  constructor(readonly file: string) {
    try {
      if (!statSync(file).isFile()) throw new Error('not a regular file');
      this.fd = openSync(file, 'r');
    } catch (err) {
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      throw new TesseraError(
        missing ? 'TESSERA_ERR_INPUT_FILE_NOT_FOUND' : 'TESSERA_ERR_INPUT_FILE_UNREADABLE',
        missing ? `trace file ${file} does not exist (spec paths are relative to the spec file)` : `cannot read trace file ${file}: ${(err as Error).message}`,
        { cause: err, details: { file } },
      );
    }
  }

  /** The next line without its line ending; undefined at the end of the file. */
  next(): string | undefined {
    for (;;) {
      if (this.bufPos < this.bufEnd) {
        const nl = this.buf.indexOf(10, this.bufPos);
        if (nl >= 0 && nl < this.bufEnd) {
          let line: string;
          if (this.carry.length > 0) {
            this.carry.push(this.buf.subarray(this.bufPos, nl));
            line = Buffer.concat(this.carry).toString('utf8');
            this.carry = [];
          } else {
            line = this.buf.toString('utf8', this.bufPos, nl);
          }
          this.bufPos = nl + 1;
          this.lineNumber++;
          return stripCr(line);
        }
        this.carry.push(Buffer.from(this.buf.subarray(this.bufPos, this.bufEnd)));
        this.bufPos = this.bufEnd;
      }
      if (this.eof) {
        if (this.carry.length === 0) return undefined;
        const last = Buffer.concat(this.carry).toString('utf8');
        this.carry = [];
        this.lineNumber++;
        return stripCr(last);
      }
      this.fill();
    }
  }

  close(): void {
    if (this.fd !== undefined) {
      closeSync(this.fd);
      this.fd = undefined;
    }
    this.eof = true;
    this.bufPos = this.bufEnd = 0;
    this.carry = [];
  }

  private fill(): void {
    if (this.fd === undefined) {
      this.eof = true;
      return;
    }
    const n = readSync(this.fd, this.buf, 0, CHUNK_BYTES, null);
    this.bufPos = 0;
    this.bufEnd = n;
    if (n === 0) {
      closeSync(this.fd);
      this.fd = undefined;
      this.eof = true;
    }
  }
}

function stripCr(line: string): string {
  return line.length > 0 && line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line;
}
