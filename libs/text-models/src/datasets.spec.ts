import { DatasetError, parseDelimited, readLabelledFile } from './datasets.js';

describe('parseDelimited (RFC 4180)', () => {
  it('reads quoted fields with delimiters, line breaks and doubled quotes', () => {
    const csv = 'id,text,label\r\n1,"a, b",0\r\n2,"line one\nline two",1\n3,"say ""hi""",0\n';
    expect(parseDelimited(csv)).toEqual([
      ['id', 'text', 'label'],
      ['1', 'a, b', '0'],
      ['2', 'line one\nline two', '1'],
      ['3', 'say "hi"', '0'],
    ]);
  });

  it('keeps quotes inside unquoted fields, reads tabs, and a last line without a line end', () => {
    expect(parseDelimited('a\tit"s\tb\nc\td\te', '\t')).toEqual([
      ['a', 'it"s', 'b'],
      ['c', 'd', 'e'],
    ]);
  });

  it('keeps empty fields', () => {
    expect(parseDelimited('a,,c\n,,\n')).toEqual([
      ['a', '', 'c'],
      ['', '', ''],
    ]);
  });
});

describe('readLabelledFile', () => {
  it('maps Davidson classes', () => {
    const csv = ',count,hate_speech,offensive_language,neither,class,tweet\n0,3,3,0,0,0,hateful\n1,3,0,3,0,1,"offensive, really"\n2,3,0,0,3,2,fine\n';
    const { format, rows } = readLabelledFile('labeled_data.csv', csv, 'toxicity');
    expect(format).toBe('davidson');
    expect(rows.map((row) => row.labels)).toEqual([
      { toxicity: 1, identity_attack: 1 },
      { toxicity: 1 },
      { toxicity: 0, insult: 0, identity_attack: 0, threat: 0, profanity: 0 },
    ]);
    expect(rows[1].text).toBe('offensive, really');
  });

  it('maps OLID subtasks, leaving group targets unknown for identity_attack', () => {
    const tsv = 'id\ttweet\tsubtask_a\tsubtask_b\tsubtask_c\n1\tok\tNOT\tNULL\tNULL\n2\tdamn\tOFF\tUNT\tNULL\n3\tyou fool\tOFF\tTIN\tIND\n4\tthey fools\tOFF\tTIN\tGRP\n';
    const { format, rows } = readLabelledFile('olid-training-v1.0.tsv', tsv, 'toxicity');
    expect(format).toBe('olid');
    expect(rows.map((row) => row.labels)).toEqual([
      { toxicity: 0, insult: 0, identity_attack: 0, threat: 0, profanity: 0 },
      { toxicity: 1, profanity: 1, insult: 0, threat: 0, identity_attack: 0 },
      { toxicity: 1, insult: 1, identity_attack: 0 },
      { toxicity: 1, insult: 1 },
    ]);
  });

  it('maps Jigsaw labels, toxicity being any of the six', () => {
    const csv = 'id,comment_text,toxic,severe_toxic,obscene,threat,insult,identity_hate\na,"hello\nthere",0,0,0,0,0,0\nb,you suck,0,0,1,0,0,0\n';
    const { rows } = readLabelledFile('train.csv', csv, 'toxicity');
    expect(rows[0]).toEqual({ text: 'hello\nthere', source: 'jigsaw', labels: { toxicity: 0, insult: 0, threat: 0, profanity: 0, identity_attack: 0 } });
    expect(rows[1].labels).toEqual({ toxicity: 1, insult: 0, threat: 0, profanity: 1, identity_attack: 0 });
  });

  it('reads the SMS collection and YouTube files for spam', () => {
    const sms = readLabelledFile('SMSSpamCollection', 'ham\tsee you "soon"\nspam\tWIN a prize, call 0800\n', 'spam');
    expect(sms.rows.map((row) => [row.text, row.labels.spam])).toEqual([
      ['see you "soon"', 0],
      ['WIN a prize, call 0800', 1],
    ]);
    const youtube = readLabelledFile('Youtube01-Psy.csv', '"COMMENT_ID","AUTHOR","DATE","CONTENT","CLASS"\nx1,Ann,2013,"check my channel, pls",1\nx2,Bo,2013,nice song,0\n', 'spam');
    expect(youtube.format).toBe('youtube');
    expect(youtube.rows.map((row) => row.labels.spam)).toEqual([1, 0]);
  });

  it('reads generic text,label files with numeric, boolean and named labels', () => {
    const csv = 'text,label,insult\nfine,approved,\nyou idiot,rejected,1\nmeh,0.2,\nugh,0.7,0\nweird,maybe,\n';
    const { format, source, rows, skipped } = readLabelledFile('site-decisions.csv', csv, 'toxicity');
    expect([format, source, skipped]).toEqual(['generic', 'site-decisions', 1]);
    expect(rows.map((row) => row.labels)).toEqual([
      { toxicity: 0, insult: 0, identity_attack: 0, threat: 0, profanity: 0 },
      { toxicity: 1, insult: 1 },
      { toxicity: 0, insult: 0, identity_attack: 0, threat: 0, profanity: 0 },
      { toxicity: 1, insult: 0 },
    ]);
    expect(readLabelledFile('spam.csv', 'text,label\nbuy now,spam\nhello,ham\n', 'spam').rows.map((row) => row.labels)).toEqual([{ spam: 1 }, { spam: 0 }]);
  });

  it('refuses data of another task and unknown formats, naming the file', () => {
    expect(() => readLabelledFile('SMSSpamCollection', 'ham\thi\n', 'toxicity')).toThrow(DatasetError);
    expect(() => readLabelledFile('x.csv', 'id,comment_text,toxic,severe_toxic,obscene,threat,insult,identity_hate\n', 'spam')).toThrow(/x\.csv: a jigsaw file holds toxicity data/);
    expect(() => readLabelledFile('odd.csv', 'foo,bar\n1,2\n', 'toxicity')).toThrow(/odd\.csv: unrecognised format/);
  });
});
