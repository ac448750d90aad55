/**
 * The geo index of a key: the geo points (`{ lon, lat }`, geo.ts) its values hold, bucketed
 * by latitude band and sorted by longitude within each band, so that a geo condition visits
 * only the points of the bands and longitude ranges its shape's region covers
 * (`geoRegion`), and tests each of them exactly (`geoTest`) from the stored coordinates:
 * lookups are exact and read no payload.
 *
 * Layout: one entry per (row, point), in typed arrays (no object per point): the sort key
 * `band · 512 + (lon + 180)` (band = ⌊(lat + 90) / 0.1°⌋, so a band is about 11 km high),
 * the coordinates and the row. Entries added since the last sort sit in an unsorted tail that
 * queries scan whole; a query that finds the tail outgrown (`tailOutgrown`, row-sets.ts)
 * first re-sorts. A region spanning many bands costs two binary searches per band and range
 * (1,801 bands from pole to pole). Points outside [-180, 180] × [-90, 90] are not stored (the
 * row is foreign and its payload is read, field-index.ts); other values never satisfy a geo
 * condition, and a scalar match never equals a point.
 */
import type { Bitset } from '../index/bitset.js';
import { FieldIndex, type Lookup, NO_ROWS, type ValueCondition } from './field-index.js';
import { isTextMatch } from './filter.js';
import { type GeoRegion, type GeoTest, geoPointOf, geoRegion, geoTest } from './geo.js';
import type { PayloadPath } from './payload-path.js';
import { tailOutgrown, withRoom } from './row-sets.js';

/** Height of a latitude band in degrees. */
const BAND_DEGREES = 0.1;
/** Key distance between bands: more than the 360 degrees of longitude within one. */
const BAND_STRIDE = 512;

function bandOf(lat: number): number {
  return Math.floor((lat + 90) / BAND_DEGREES);
}

function keyOf(band: number, lon: number): number {
  return band * BAND_STRIDE + (lon + 180);
}

/** Geo points with their rows, sorted by (band, lon) but for a tail of recent additions. */
class GeoEntries {
  private keys = new Float64Array(16);
  private lons = new Float64Array(16);
  private lats = new Float64Array(16);
  private rows = new Uint32Array(16);
  private size = 0;
  /** Entries 0..sorted-1 are sorted by key; the rest are in insertion order. */
  private sorted = 0;

  add(lon: number, lat: number, row: number): void {
    const at = this.size++;
    this.keys = withRoom(this.keys, this.size);
    this.lons = withRoom(this.lons, this.size);
    this.lats = withRoom(this.lats, this.size);
    this.rows = withRoom(this.rows, this.size);
    this.keys[at] = keyOf(bandOf(lat), lon);
    this.lons[at] = lon;
    this.lats[at] = lat;
    this.rows[at] = row;
  }

  /** Sorts every entry by key (stable, so a row's entries keep their order) and trims. */
  compact(): void {
    const order = Array.from({ length: this.size }, (_, i) => i);
    const keys = this.keys;
    order.sort((a, b) => keys[a] - keys[b] || a - b);
    const pick = <T extends Float64Array | Uint32Array>(source: T, target: T): T => {
      for (let i = 0; i < order.length; i++) target[i] = source[order[i]];
      return target;
    };
    this.keys = pick(this.keys, new Float64Array(this.size));
    this.lons = pick(this.lons, new Float64Array(this.size));
    this.lats = pick(this.lats, new Float64Array(this.size));
    this.rows = pick(this.rows, new Uint32Array(this.size));
    this.sorted = this.size;
  }

  /** Number of entries within `region` (an upper bound of the rows with a point in its shape). */
  count(region: GeoRegion): number {
    let count = this.size - this.sorted;
    this.spans(region, (from, to) => {
      count += to - from;
    });
    return count;
  }

  /** Sets in `target` every row below `target.size` with a point in `region` that passes `test`. */
  setIn(region: GeoRegion, test: GeoTest, target: Bitset): void {
    if (tailOutgrown(this.size - this.sorted, this.sorted)) this.compact();
    const words = target.words;
    const limit = target.size;
    const visit = (i: number) => {
      const row = this.rows[i];
      if (row < limit && test(this.lons[i], this.lats[i])) words[row >>> 5] |= 1 << (row & 31);
    };
    this.spans(region, (from, to) => {
      for (let i = from; i < to; i++) visit(i);
    });
    for (let i = this.sorted; i < this.size; i++) visit(i);
  }

  /** Calls `span` with each run of sorted entries inside `region`'s bands and longitude ranges. */
  private spans(region: GeoRegion, span: (from: number, to: number) => void): void {
    if (this.sorted === 0 || region.latMin > region.latMax) return;
    const last = bandOf(region.latMax);
    for (let band = bandOf(region.latMin); band <= last; band++) {
      for (const [low, high] of region.lons) {
        if (low > high) continue;
        const from = this.firstAtLeast(keyOf(band, low));
        const to = this.firstAbove(keyOf(band, high));
        if (to > from) span(from, to);
      }
    }
  }

  private firstAtLeast(key: number): number {
    let low = 0;
    let high = this.sorted;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.keys[middle] < key) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  private firstAbove(key: number): number {
    let low = 0;
    let high = this.sorted;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.keys[middle] <= key) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}

export class GeoIndex extends FieldIndex {
  private readonly entries = new GeoEntries();

  override lookup(condition: ValueCondition): Lookup | undefined {
    if ('range' in condition) return NO_ROWS;
    if ('match' in condition) {
      // A scalar never equals a point; `except` and text depend on the values not stored.
      return isTextMatch(condition.match) || 'except' in condition.match ? undefined : NO_ROWS;
    }
    const region = geoRegion(condition);
    const test = geoTest(condition);
    const entries = this.entries;
    return {
      count: () => entries.count(region),
      setIn: (target) => entries.setIn(region, test, target),
    };
  }

  override compact(rows: number): void {
    super.compact(rows);
    this.entries.compact();
  }

  protected override store(row: number, value: unknown): boolean {
    const point = geoPointOf(value);
    if (point === undefined || Math.abs(point.lon) > 180 || Math.abs(point.lat) > 90) return false;
    this.entries.add(point.lon, point.lat, row);
    return true;
  }
}

/** An index of the geo points of a key. */
export function geoIndex(path: PayloadPath): FieldIndex {
  return new GeoIndex(path);
}
