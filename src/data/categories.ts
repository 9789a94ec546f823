import {readFile} from 'node:fs/promises'
import {CmaamError} from '../errors'

/** Category name → the JSONL file names that belong to it, in reading order. */
export type CategoryMap = Record<string, string[]>

/**
 * The Korean VQA corpus's categories, as the reference `prepare_korean_vqa_data.py` groups its files
 * (`arxiv_eng_v2_axolotl.jsonl`, which it skips for Korean-focused training, is in none).
 */
export const DEFAULT_CATEGORIES: CategoryMap = {
  korean_problem: ['AIHUB_koreanproblem_v2_axolotl.jsonl'],
  math_problem: ['AIHUB_mathproblem_multiple_v2_axolotl.jsonl', 'AIHUB_mathproblem_subjective_v2_axolotl.jsonl'],
  visualization: ['AIHUB_Visualization_v2_axolotl.jsonl', 'bichallava_instruct_230k_chart_v2_axolotl.jsonl'],
  table_vqa: ['table-VQA-ko-60k.jsonl'],
  captioning: ['llava-ko-recap-120k_v2_axolotl.jsonl', 'out-kor-llava_v2_axolotl.jsonl'],
  document: ['AIHUB_subjectmaterial_image_modify_v2_axolotl.jsonl', 'AIHUB_subjectmaterial_text_modify_v2_axolotl.jsonl'],
  arxiv: ['arxiv_kor_v2_axolotl.jsonl'],
  latex: ['LaTeX-update_v2_axolotl.jsonl'],
  general: ['image_folder_1_v2_axolotl.jsonl', 'image_folder_2_v2_axolotl.jsonl', 'kor1_YiSang_hq.jsonl'],
}

/** Reads a `--categories` file: a JSON object of category → list of file names, no file in two categories. */
export async function readCategoryMap(path: string): Promise<CategoryMap> {
  const invalid = (what: string): CmaamError =>
    new CmaamError(`Invalid --categories file ${path}: ${what}`, {hint: 'Give a JSON object such as {"math": ["math_a.jsonl", "math_b.jsonl"], "captions": ["captions.jsonl"]}.'})
  let raw: unknown
  try {
    raw = JSON.parse(await readFile(path, 'utf8'))
  } catch (error) {
    throw invalid((error as Error).message)
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw invalid('not a JSON object')
  const seen = new Map<string, string>()
  for (const [category, files] of Object.entries(raw)) {
    if (!Array.isArray(files) || files.some((f) => typeof f !== 'string' || f === '')) throw invalid(`"${category}" is not a list of file names`)
    for (const file of files as string[]) {
      if (seen.has(file)) throw invalid(`${file} is in both "${seen.get(file)}" and "${category}"`)
      seen.set(file, category)
    }
  }
  if (seen.size === 0) throw invalid('it names no files')
  return raw as CategoryMap
}
