import type {Component, ParamClass} from '../../models/types'

export type GroupingCompat = 'default' | 'reference'

export interface GroupKey {
  key: string
  /** Whether the group has a layer index (only such groups enter the per-layer GFS statistics). */
  indexed: boolean
}

/** The reference's layer-number patterns, tried in this order against the bare name (spec §1). */
const REFERENCE_LAYER_PATTERNS: readonly RegExp[] = [
  /\.layers\.(\d+)\./,
  /\.layer\.(\d+)\./,
  /\.blocks\.(\d+)\./,
  /\.block\.(\d+)\./,
  /\.h\.(\d+)\./,
  /_(\d+)\./,
]

/**
 * The layer-group key of one parameter (spec §1).
 *
 * - `default`: keyed by (component, tower, index): `vision.layer_3`, `language.layer_3`,
 *   `vision.tower_1.layer_3`; a parameter without an index joins its component's single
 *   `<component>.non_layer` group (towers are not told apart there, as the spec says one group
 *   per component).
 * - `reference` (`--compat reference`): the reference's grouping by the bare number that the first
 *   matching pattern extracts, `layer_N` (N written as Python's `int` would, without leading zeros),
 *   else `non_layer`; `cls` is ignored.
 */
export function groupKey(name: string, cls: ParamClass, compat: GroupingCompat): GroupKey {
  if (compat === 'reference') {
    for (const re of REFERENCE_LAYER_PATTERNS) {
      const m = re.exec(name)
      if (m) return {key: `layer_${m[1].replace(/^0+(?=\d)/, '')}`, indexed: true}
    }
    return {key: 'non_layer', indexed: false}
  }
  const component: Component = cls.component
  if (cls.layer === null) return {key: `${component}.non_layer`, indexed: false}
  const tower = cls.tower === null ? '' : `tower_${cls.tower}.`
  return {key: `${component}.${tower}layer_${cls.layer}`, indexed: true}
}
