import { TASK_LABELS, type Task } from './linear-model.js';

/** A text with what is known about it: 1 or 0 per label; a label left out is unknown. */
export interface LabelledText {
  readonly text: string;
  /** The data set it came from (per-source metrics and source balancing). */
  readonly source: string;
  readonly labels: Readonly<Partial<Record<string, 0 | 1>>>;
}

/**
 * RFC 4180 delimited text: fields in double quotes may hold the delimiter, line breaks and
 * doubled quotes (""). CRLF and LF line ends both work. A quote inside an unquoted field is kept
 * as a character (tweets are full of them).
 */
export function parseDelimited(content: string, delimiter = ','): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let fieldStarted = false;
  const delimiterCode = delimiter.charCodeAt(0);
  for (let i = 0; i < content.length; i++) {
    const code = content.charCodeAt(i);
    if (quoted) {
      if (code !== 0x22) field += content[i];
      else if (content.charCodeAt(i + 1) === 0x22) {
        field += '"';
        i++;
      } else quoted = false;
    } else if (code === 0x22 && !fieldStarted) {
      quoted = true;
      fieldStarted = true;
    } else if (code === delimiterCode) {
      row.push(field);
      field = '';
      fieldStarted = false;
    } else if (code === 0x0a) {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      fieldStarted = false;
    } else if (code !== 0x0d || content.charCodeAt(i + 1) !== 0x0a) {
      field += content[i];
      fieldStarted = true;
    }
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** What a file turned out to be, and its rows. */
export interface ReadDataset {
  /** davidson, olid, jigsaw, sms, youtube or generic. */
  readonly format: string;
  readonly source: string;
  readonly task: Task;
  readonly rows: LabelledText[];
  /** Rows without text or with a label that is not understood. */
  readonly skipped: number;
}

/** Thrown for a file whose format is not recognised or that holds data for another task. */
export class DatasetError extends Error {
  constructor(fileName: string, problem: string) {
    super(`${fileName}: ${problem}`);
    this.name = 'DatasetError';
  }
}

/** The column mappings, for `--help` and the README. */
export const DATASET_FORMATS_HELP = `Files are recognised by their header (or, for the SMS collection, by name and shape):
  davidson  CSV with tweet, class, hate_speech (Davidson et al. 2017)          → toxicity
            class 0 hate: toxicity=1 identity_attack=1; 1 offensive: toxicity=1; 2 neither: every
            label 0. Other labels are unknown (offensive tweets are full of slurs used casually:
            calling them "not identity attacks" would teach that slurs are harmless).
  olid      TSV with tweet, subtask_a, subtask_b, subtask_c (OLID/OffensEval)  → toxicity
            NOT: every label 0; OFF+UNT (untargeted): toxicity=1 profanity=1 insult=0 threat=0
            identity_attack=0; OFF+TIN (targeted): toxicity=1 insult=1, identity_attack=0 when the
            target is IND/OTH (GRP is unknown: OLID's groups are mostly political parties).
  jigsaw    CSV with comment_text, toxic, severe_toxic, obscene, threat, insult, identity_hate
            → toxicity = any of the six, insult, threat, profanity=obscene, identity_attack=identity_hate
  sms       SMSSpamCollection: label<TAB>text, no header, ham/spam                → spam
  youtube   CSV with CONTENT and CLASS (1 spam, 0 ham; YouTube Spam Collection)   → spam
  generic   CSV or TSV with a text column (text, body, comment, comment_text, content) and
            a label column: "label" for the task's main score (toxicity or spam) and/or columns
            named after scores (toxicity, insult, identity_attack, threat, profanity, spam; also
            toxic, obscene, identity_hate). Values: 1/0, true/false, yes/no, spam/ham,
            reject(ed)/approve(d), toxic/ok, or a number in [0, 1] (≥ 0.5 is 1); empty is unknown.
            For toxicity, a row whose toxicity is 0 counts 0 for every other label too.`;

const HEAD_ALIASES: Readonly<Record<string, string>> = {
  toxic: 'toxicity',
  obscene: 'profanity',
  identity_hate: 'identity_attack',
};
const TEXT_COLUMNS = ['text', 'body', 'comment', 'comment_text', 'content'];
const POSITIVE_WORDS = new Set(['1', 'true', 'yes', 'spam', 'toxic', 'reject', 'rejected', 'positive', 'off']);
const NEGATIVE_WORDS = new Set(['0', 'false', 'no', 'ham', 'ok', 'clean', 'approve', 'approved', 'negative', 'not']);

/** 1, 0, or undefined (unknown) for a label as written in a generic file; null when not understood. */
function parseLabelValue(raw: string): 0 | 1 | undefined | null {
  const value = raw.trim().toLowerCase();
  if (value === '') return undefined;
  if (POSITIVE_WORDS.has(value)) return 1;
  if (NEGATIVE_WORDS.has(value)) return 0;
  const number = Number(value);
  if (Number.isFinite(number) && number >= 0 && number <= 1) return number >= 0.5 ? 1 : 0;
  return null;
}

function baseName(fileName: string): string {
  return fileName.split(/[\\/]/).pop() ?? fileName;
}

type Labels = Partial<Record<string, 0 | 1>>;

const ALL_ZERO: Readonly<Labels> = Object.freeze(Object.fromEntries(TASK_LABELS.toxicity.map((label) => [label, 0 as const])));

function davidsonLabels(row: Record<string, string>): Labels | null {
  switch (row.class) {
    case '0':
      return { toxicity: 1, identity_attack: 1 };
    case '1':
      return { toxicity: 1 };
    case '2':
      return ALL_ZERO;
    default:
      return null;
  }
}

function olidLabels(row: Record<string, string>): Labels | null {
  if (row.subtask_a === 'NOT') return ALL_ZERO;
  if (row.subtask_a !== 'OFF') return null;
  if (row.subtask_b === 'UNT') return { toxicity: 1, profanity: 1, insult: 0, threat: 0, identity_attack: 0 };
  if (row.subtask_b !== 'TIN') return null;
  return row.subtask_c === 'GRP' ? { toxicity: 1, insult: 1 } : { toxicity: 1, insult: 1, identity_attack: 0 };
}

function jigsawLabels(row: Record<string, string>): Labels | null {
  const flags = ['toxic', 'severe_toxic', 'obscene', 'threat', 'insult', 'identity_hate'].map((name) => row[name]);
  if (!flags.every((flag) => flag === '0' || flag === '1')) return null;
  const [toxic, severe, obscene, threat, insult, identityHate] = flags.map((flag) => (flag === '1' ? 1 : 0) as 0 | 1);
  return { toxicity: toxic || severe || obscene || threat || insult || identityHate ? 1 : 0, insult, threat, profanity: obscene, identity_attack: identityHate };
}

interface KnownFormat {
  readonly name: string;
  readonly task: Task;
  readonly delimiter: string;
  readonly textColumn: string;
  readonly matches: (header: ReadonlySet<string>) => boolean;
  readonly labels: (row: Record<string, string>) => Labels | null;
}

const KNOWN_FORMATS: readonly KnownFormat[] = [
  { name: 'davidson', task: 'toxicity', delimiter: ',', textColumn: 'tweet', matches: (h) => h.has('tweet') && h.has('class') && h.has('hate_speech'), labels: davidsonLabels },
  { name: 'olid', task: 'toxicity', delimiter: '\t', textColumn: 'tweet', matches: (h) => h.has('tweet') && h.has('subtask_a'), labels: olidLabels },
  { name: 'jigsaw', task: 'toxicity', delimiter: ',', textColumn: 'comment_text', matches: (h) => h.has('comment_text') && h.has('toxic') && h.has('identity_hate'), labels: jigsawLabels },
  {
    name: 'youtube',
    task: 'spam',
    delimiter: ',',
    textColumn: 'content',
    matches: (h) => h.has('content') && h.has('class') && h.has('comment_id'),
    labels: (row) => (row.class === '1' ? { spam: 1 } : row.class === '0' ? { spam: 0 } : null),
  },
];

function isSmsCollection(fileName: string, content: string): boolean {
  return baseName(fileName).startsWith('SMSSpamCollection') || /^(ham|spam)\t/.test(content);
}

function readSms(content: string): { rows: LabelledText[]; skipped: number } {
  const rows: LabelledText[] = [];
  let skipped = 0;
  for (const line of content.split('\n')) {
    const tab = line.indexOf('\t');
    const label = line.slice(0, tab);
    const text = line.slice(tab + 1).replace(/\r$/, '');
    if (tab < 0 || (label !== 'ham' && label !== 'spam') || text.trim() === '') {
      if (line.trim() !== '') skipped++;
      continue;
    }
    rows.push({ text, source: 'sms', labels: { spam: label === 'spam' ? 1 : 0 } });
  }
  return { rows, skipped };
}

function delimiterOf(fileName: string, firstLine: string): string {
  if (/\.tsv$/i.test(fileName)) return '\t';
  return firstLine.split('\t').length > firstLine.split(',').length ? '\t' : ',';
}

/**
 * The labelled texts of one data file (its name and content), for `task`: the format is
 * recognised from the header or the name (see DATASET_FORMATS_HELP).
 *
 * @throws DatasetError when the format is not recognised or holds labels of another task.
 */
export function readLabelledFile(fileName: string, content: string, task: Task): ReadDataset {
  const text = content.charCodeAt(0) === 0xfeff ? content.slice(1) : content;
  if (isSmsCollection(fileName, text)) {
    if (task !== 'spam') throw new DatasetError(fileName, `the SMS Spam Collection is spam data, not ${task} data`);
    return { format: 'sms', source: 'sms', task, ...readSms(text) };
  }
  const lineEnd = text.indexOf('\n');
  const firstLine = lineEnd < 0 ? text : text.slice(0, lineEnd);
  const guessedDelimiter = delimiterOf(fileName, firstLine);
  const headerNames = (parseDelimited(firstLine, guessedDelimiter)[0] ?? []).map((name) => name.trim().toLowerCase());
  const header = new Set(headerNames);
  const known = KNOWN_FORMATS.find((format) => format.matches(header));
  if (known !== undefined && known.task !== task) throw new DatasetError(fileName, `a ${known.name} file holds ${known.task} data, not ${task} data`);

  const table = parseDelimited(text, known?.delimiter ?? guessedDelimiter);
  const names = (table.shift() ?? []).map((name) => name.trim().toLowerCase());
  const records = table.filter((cells) => cells.length > 1 || cells[0] !== '').map((cells) => ({ cells, row: Object.fromEntries(names.map((name, k) => [name, cells[k] ?? ''])) }));

  if (known !== undefined) {
    const rows: LabelledText[] = [];
    let skipped = 0;
    for (const { cells, row } of records) {
      const labels = cells.length === names.length ? known.labels(row) : null;
      const body = row[known.textColumn] ?? '';
      if (labels === null || body.trim() === '') skipped++;
      else rows.push({ text: body, source: known.name, labels });
    }
    return { format: known.name, source: known.name, task, rows, skipped };
  }
  return readGeneric(fileName, names, records, task);
}

function readGeneric(fileName: string, names: string[], records: Array<{ row: Record<string, string> }>, task: Task): ReadDataset {
  const textColumn = TEXT_COLUMNS.find((name) => names.includes(name));
  const heads: readonly string[] = TASK_LABELS[task];
  const labelColumns = names
    .map((name) => ({ column: name, head: name === 'label' ? heads[0] : (HEAD_ALIASES[name] ?? name) }))
    .filter(({ head }) => heads.includes(head));
  if (textColumn === undefined || labelColumns.length === 0) {
    throw new DatasetError(
      fileName,
      `unrecognised format: expected one of the known data sets or a header with a text column (${TEXT_COLUMNS.join(', ')}) and label columns (label, ${heads.join(', ')}); got: ${names.join(', ')}`,
    );
  }
  const source = baseName(fileName).replace(/\.[^.]*$/, '');
  const rows: LabelledText[] = [];
  let skipped = 0;
  for (const { row } of records) {
    const labels: Labels = {};
    let understood = true;
    for (const { column, head } of labelColumns) {
      const value = parseLabelValue(row[column] ?? '');
      if (value === null) understood = false;
      else if (value !== undefined) labels[head] ??= value;
    }
    if (task === 'toxicity' && labels.toxicity === 0) for (const head of heads) labels[head] ??= 0;
    const body = row[textColumn] ?? '';
    if (!understood || body.trim() === '' || Object.keys(labels).length === 0) skipped++;
    else rows.push({ text: body, source, labels });
  }
  return { format: 'generic', source, task, rows, skipped };
}
