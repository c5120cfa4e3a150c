// SQL text that remembers where each character came from, through every rewrite between a SQL
// file and the statement an engine runs (refs rendered, placeholders filled, the query wrapped
// in COPY or CREATE), so an engine's error position maps back to a line and column of the file.

/** A stretch of text: copied from the origin at `from`, or put in place of the origin at `from`. */
interface Piece {
  readonly text: string;
  /** Where it came from; undefined for text a wrapper added. */
  readonly from: number | undefined;
  /** Copied character for character (else the whole piece maps to `from`). */
  readonly copied: boolean;
}

/** A replacement of `text[start, end)`; the new text maps to the start of what it replaced. */
export interface Replacement {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

export class MappedSql {
  readonly text: string;

  private constructor(private readonly pieces: readonly Piece[]) {
    this.text = pieces.map((piece) => piece.text).join("");
  }

  /** `text` copied from its origin, whose first character is at `from` there. */
  static of(text: string, from = 0): MappedSql {
    return new MappedSql(text === "" ? [] : [{ text, from, copied: true }]);
  }

  /** Text added by a wrapper: it comes from nowhere in the origin. */
  static added(text: string): MappedSql {
    return new MappedSql(text === "" ? [] : [{ text, from: undefined, copied: false }]);
  }

  static concat(parts: readonly MappedSql[]): MappedSql {
    return new MappedSql(parts.flatMap((part) => part.pieces));
  }

  /** The characters `[start, end)`. */
  slice(start: number, end = this.text.length): MappedSql {
    const pieces: Piece[] = [];
    let at = 0;
    for (const piece of this.pieces) {
      const pieceEnd = at + piece.text.length;
      const from = Math.max(start, at);
      const to = Math.min(end, pieceEnd);
      if (from < to) {
        pieces.push({
          text: piece.text.slice(from - at, to - at),
          from: piece.copied ? piece.from! + (from - at) : piece.from,
          copied: piece.copied,
        });
      }
      at = pieceEnd;
    }
    return new MappedSql(pieces);
  }

  /** Applies non-overlapping replacements given in offsets of `text`. */
  replace(replacements: readonly Replacement[]): MappedSql {
    const ordered = [...replacements].sort((a, b) => a.start - b.start);
    const parts: MappedSql[] = [];
    let at = 0;
    for (const { start, end, text } of ordered) {
      parts.push(this.slice(at, start));
      parts.push(new MappedSql([{ text, from: this.originOf(start), copied: false }]));
      at = end;
    }
    parts.push(this.slice(at));
    return MappedSql.concat(parts);
  }

  /**
   * Where character `offset` of `text` came from. Added text maps to the nearest origin: before
   * any origin text, to its first character; after it, to its last ("at end of input").
   */
  originOf(offset: number): number | undefined {
    let at = 0;
    let before: number | undefined;
    for (const piece of this.pieces) {
      const end = at + piece.text.length;
      if (offset < end) {
        if (piece.from !== undefined) {
          return piece.copied ? piece.from + (offset - at) : piece.from;
        }
        return before ?? this.#firstOriginAfter(end);
      }
      if (piece.from !== undefined) {
        before = piece.copied ? piece.from + piece.text.length - 1 : piece.from;
      }
      at = end;
    }
    return before;
  }

  #firstOriginAfter(offset: number): number | undefined {
    let at = 0;
    for (const piece of this.pieces) {
      if (at >= offset && piece.from !== undefined) return piece.from;
      at += piece.text.length;
    }
    return undefined;
  }
}
