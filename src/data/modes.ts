/** `--mode`: the reference's presets of items per category and in all (null: no limit). */
export const PREPARE_MODES = {
  tiny: {maxPerCategory: 1000, totalMax: 10_000},
  quick: {maxPerCategory: 10_000, totalMax: 100_000},
  full: {maxPerCategory: null, totalMax: null},
} as const

export type PrepareMode = keyof typeof PREPARE_MODES
