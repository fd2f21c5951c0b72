import type { ListAction, ListCategory, ListEntry } from '../policy-types.js';
import type { MatchMode } from '../term-matcher.js';

/*
 * The built-in English lists. Terms are written plainly: the normaliser undoes case, accents,
 * look-alike letters, leetspeak, masks, spaced letters and stretched letters before matching,
 * and punctuation inside a phrase ("i'll") is matched as a space ("i ll").
 *
 * News comment sections discuss wars, crimes and disasters: descriptive words (kill, killed,
 * attack, bomb, slaughter, massacre, rape, terrorist) are deliberately absent. Threats are listed
 * as phrases aimed at a person ("i will kill you"), insults score rather than hold unless they are
 * aimed at someone (see TARGET_TERMS), and mild swearing only adds a small score.
 */

/** Single words match as `match`; several words always match as a phrase. */
function entries(
  category: ListCategory,
  action: ListAction,
  match: Exclude<MatchMode, 'phrase'>,
  terms: readonly string[],
  weight?: number,
): ListEntry[] {
  return terms.map((term) => ({
    term,
    category,
    action,
    match: term.includes(' ') ? 'phrase' : match,
    ...(weight === undefined ? {} : { weight }),
  }));
}

/** "i will kill you", "im gonna stab u", "someone should murder your family"... */
function threatsOfViolence(): ListEntry[] {
  const speakers = [
    'i will', 'i ll', 'i am going to', 'i m going to', 'im going to', 'i am gonna', 'i m gonna', 'im gonna',
    'imma', 'gonna', 'we will', 'we ll', 'i want to', 'i should', 'someone should', 'somebody should',
  ];
  // Not "shoot" (I'll shoot you an email), "beat" (I'll beat you at chess) or "burn" (a CD).
  const harms = ['kill', 'murder', 'stab', 'strangle', 'behead', 'rape', 'hurt', 'torture'];
  const victims = ['you', 'u', 'your family'];
  const phrases = speakers.flatMap((speaker) => harms.flatMap((harm) => victims.map((victim) => `${speaker} ${harm} ${victim}`)));
  return entries('threat', 'reject', 'word', phrases);
}

export const DEFAULT_WORD_LIST: readonly ListEntry[] = [
  // Profanity: strong words hold, mild ones only add to the profanity score.
  ...entries('profanity', 'hold', 'prefix', ['fuck', 'fukk', 'fck', 'phuck', 'fucc', 'motherfuck', 'cunt']),
  ...entries('profanity', 'hold', 'word', ['fuk', 'fuking', 'fukin', 'fukn', 'fking', 'fkn', 'fcking']),
  ...entries('profanity', 'score', 'prefix', ['shit', 'bullshit', 'bastard', 'wank', 'bollock', 'goddamn'], 0.3),
  ...entries('profanity', 'score', 'word', ['ass', 'arse', 'asses', 'wtf', 'stfu', 'gtfo', 'omfg', 'mf', 'mofo', 'effing', 'bugger', 'bloody hell', 'sod off'], 0.2),
  ...entries('profanity', 'score', 'prefix', ['crap', 'damn', 'piss', 'frickin', 'friggin'], 0.1),
  ...entries('profanity', 'score', 'word', ['hell', 'dammit'], 0.1),

  // Insults: a score on their own, a hold when aimed at someone (see TARGET_TERMS).
  ...entries('insult', 'score', 'prefix', [
    'idiot', 'moron', 'imbecile', 'cretin', 'scum', 'retard', 'dumbass', 'dumbfuck', 'jackass', 'asshole', 'arsehole',
    'douche', 'dipshit', 'shithead', 'dickhead', 'bitch', 'twat', 'wanker', 'tosser', 'knobhead', 'bellend',
    'dimwit', 'halfwit', 'nitwit', 'numbskull', 'numpty', 'buffoon', 'subhuman', 'lowlife', 'scumbag', 'shitbag',
    'skank', 'slag', 'pillock', 'plonker', 'cocksucker', 'fuckwit', 'fuckface', 'fucktard', 'libtard', 'shitstain',
    'degenerate', 'vermin',
  ], 0.4),
  ...entries('insult', 'score', 'word', [
    'prick', 'pricks', 'dick', 'dicks', 'dunce', 'dunces', 'dolt', 'dolts', 'twit', 'twits', 'clown', 'clowns',
    'loser', 'losers', 'freak', 'freaks', 'cockroaches', 'piece of shit', 'piece of crap', 'piece of garbage',
    'waste of space', 'waste of oxygen', 'shut up',
  ], 0.25),
  ...entries('insult', 'score', 'word', [
    'stupid', 'dumb', 'pathetic', 'ignorant', 'brainless', 'brain dead', 'braindead', 'clueless', 'worthless',
    'useless', 'disgusting', 'fool', 'fools',
  ], 0.15),

  // Identity attacks: slurs.
  ...entries('identity_attack', 'reject', 'word', [
    'nigger', 'niggers', 'nigga', 'niggas', 'niggaz', 'nigguh', 'niggah', 'kike', 'kikes', 'sandnigger', 'sandniggers',
    'jigaboo', 'jigaboos', 'porch monkey', 'porch monkeys', 'gas the jews',
  ]),
  ...entries('identity_attack', 'reject', 'prefix', ['faggot', 'wetback', 'raghead', 'towelhead', 'camel jockey']),
  ...entries('identity_attack', 'hold', 'word', [
    'fag', 'fags', 'spic', 'spics', 'chink', 'chinks', 'gook', 'gooks', 'coon', 'coons', 'dyke', 'dykes', 'tranny',
    'trannies', 'paki', 'pakis', 'gypo', 'gyppo', 'gyppos', 'pikey', 'pikeys', 'kaffir', 'kaffirs', 'yid', 'yids',
    'dago', 'dagos', 'wop', 'wops', 'beaner', 'beaners', 'zipperhead', 'slant eye', 'slant eyes', 'shemale', 'ladyboy',
    'mongoloid', 'mongoloids', 'spastic', 'spaz', 'golliwog', 'sheboon', 'halfbreed', 'half breed', 'cotton picker',
    'jungle bunny', 'jew rat', 'dirty jew', 'dirty arab', 'filthy muslim', 'untermensch', 'white power',
    'heil hitler', 'sieg heil',
  ]),

  // Threats: phrases aimed at a person, never the bare verbs.
  ...threatsOfViolence(),
  ...entries('threat', 'reject', 'word', [
    'kill yourself', 'kill urself', 'kill yourselves', 'kys', 'hang yourself', 'go hang yourself', 'neck yourself',
    'slit your throat', 'slit your wrists', 'put a bullet in your head', 'bullet in your head', 'i hope you die',
    'hope you die', 'i hope you get raped', 'hope you get raped', 'you deserve to die', 'you should be killed',
    'you should be shot', 'you are dead meat', 'you re dead meat', 'shoot you dead', 'i will shoot you in',
    'i ll shoot you in', 'i will end you', 'i ll end you',
  ]),
  // Phrases that are also said in jest or reported ("tell someone to go die"): a moderator decides.
  ...entries('threat', 'hold', 'word', [
    'go die', 'go drink bleach', 'you should die', 'you will die', 'i know where you live', 'we know where you live', 'i will find you', 'i ll find you',
    'watch your back', 'should be shot', 'should be hanged', 'deserve to be shot', 'deserves to be shot',
    'needs to be shot', 'need to be shot', 'should be executed', 'deserves to die', 'deserve to die',
    'should be lynched', 'string them up', 'line them up and shoot', 'burn them alive', 'gas them',
  ]),

  // Sexual content.
  ...entries('sexual', 'hold', 'word', [
    'suck my dick', 'suck my cock', 'suck my balls', 'sit on my face', 'send nudes', 'send me nudes',
    'show me your tits', 'show your tits', 'titty fuck', 'gang bang',
  ]),
  ...entries('sexual', 'hold', 'prefix', ['blowjob', 'handjob', 'cumshot', 'dildo', 'creampie', 'deepthroat', 'bukkake']),
  ...entries('sexual', 'score', 'word', [
    'cock', 'cocks', 'pussy', 'pussies', 'tits', 'titties', 'boobs', 'boobies', 'cum', 'cumming', 'horny', 'milf',
    'anal', 'nudes', 'xxx', 'porn', 'porno', 'slut', 'sluts', 'slutty', 'whore', 'whores', 'hoe', 'hoes', 'thot',
    'bdsm', 'orgasm', 'boner', 'jizz', 'cameltoe', 'nsfw', 'jerk off', 'jack off',
  ], 0.3),

  // Self-harm: the author may be at risk; a moderator should see it.
  ...entries('self_harm', 'hold', 'word', [
    'i want to die', 'i wanna die', 'i want to kill myself', 'i m going to kill myself', 'im going to kill myself',
    'i am going to kill myself', 'i will kill myself', 'i ll kill myself', 'i m gonna kill myself',
    'im gonna kill myself', 'i should kill myself', 'kill myself', 'i m suicidal', 'im suicidal', 'i am suicidal',
    'end my life', 'ending my life', 'take my own life', 'taking my own life', 'i don t want to live',
    'i dont want to live', 'no reason to live', 'nothing to live for', 'i want to hurt myself',
    'i want to cut myself', 'better off dead', 'i want to end it all',
  ]),
  ...entries('self_harm', 'score', 'word', ['suicidal', 'self harm', 'selfharm', 'i hate my life'], 0.3),

  // Promotional phrasing: a score each, so that one phrase alone does not hold a comment.
  ...entries('spam', 'score', 'word', [
    'check out my', 'check my channel', 'check my video', 'check my profile', 'check me out', 'check out our',
    'my channel', 'my new channel', 'my youtube', 'my new website', 'visit my', 'subscribe to my', 'subscribe to me',
    'subscribe my channel', 'sub to my', 'sub to me', 'sub my channel', 'subscribe back', 'sub 4 sub', 'sub for sub',
    'please subscribe', 'pls subscribe', 'plz subscribe', 'like and subscribe',
    'follow me on', 'add me on', 'dm me', 'message me on', 'text me on', 'whatsapp me', 'contact me on whatsapp',
    'telegram me', 'click here', 'click the link', 'click this link', 'click on the link', 'link in bio',
    'link in my bio', 'work from home', 'make money online', 'make money fast', 'make money from home',
    'earn money', 'earn extra', 'earn cash', 'extra income', 'passive income', 'financial freedom', 'free gift',
    'free money', 'free iphone', 'free bitcoin', 'free crypto', 'free followers', 'free subscribers', 'you have won',
    'you ve won', 'you have been selected', 'claim your prize', 'claim your reward', 'claim your free',
    'limited time offer', 'risk free', 'no credit check', 'cheap viagra', 'viagra', 'cialis', 'online casino',
    'casino bonus', 'betting tips', 'crypto investment', 'bitcoin investment', 'investment opportunity',
    'double your money', 'double your bitcoin', 'guaranteed profit', 'guaranteed returns', 'forex trading',
    'binary options', 'call now', 'order now', 'buy now', 'hot singles', 'meet singles', 'reply stop', 'text stop',
    'txt stop', 'send stop', 'cash prize', 'bonus prize', 'prize draw', 'claim code', 'free entry', 'you are a winner',
    'specially selected', 'selected to receive', 'to opt out', 'to unsubscribe', 'guaranteed winner', '100 free',
  ], 0.3),
];

/**
 * Innocent words and idioms that contain a listed term. A listed match that lies inside an
 * allowed word or phrase is dropped. Matched as prefixes (cocktail → cocktails). Some guard
 * terms that only a site's own prefix entry could reach (cock → cocktail, dick → Dickens).
 */
export const DEFAULT_ALLOW_LIST: readonly string[] = [
  'cocktail', 'cockpit', 'cockney', 'cockatoo', 'cockerel', 'cock up', 'cock ups', 'dickens', 'dickinson',
  'shitake', 'shiitake', 'wankel', 'scunthorpe', 'penistone', 'assassin', 'therapist', 'essex', 'sussex',
  'middlesex', 'matsushita', 'analysis', 'analyst', 'retardant', 'retardation',
  'hell of a', 'hell of an', 'what the hell', 'chink in the armour', 'chink in the armor', 'chink in his armour',
  'chink in her armour', 'chink in their armour', 'kill yourself laughing', 'hang yourself out to dry',
  'spic and span', 'bugger all', 'shut up shop', 'slag off', 'slag heap', 'cum laude', 'magna cum laude',
  'summa cum laude', 'pussy riot', 'pussy cat', 'blue tits', 'great tits',
];

/**
 * Who an insult can be aimed at. `person`: the reader being answered ("you idiot", "you are a
 * moron"); `group`: a nationality, ethnicity, religion or orientation used as an epithet
 * ("balkanic scum", "turks are vermin"). All are matched as whole words.
 */
export const TARGET_TERMS: { readonly person: readonly string[]; readonly group: readonly string[] } = {
  // Not "your": in "your argument is stupid" the insult is aimed at the argument.
  person: ['you', 'u', 'ya', 'ur', 'youre', 'you re', 'yo', 'thou'],
  group: [
    'balkan', 'balkans', 'balkanic', 'serb', 'serbs', 'serbian', 'serbians', 'croat', 'croats', 'croatian',
    'croatians', 'bosnian', 'bosnians', 'albanian', 'albanians', 'kosovar', 'kosovars', 'macedonian', 'bulgarian',
    'bulgarians', 'romanian', 'romanians', 'gypsy', 'gypsies', 'roma', 'turk', 'turks', 'turkish', 'kurd', 'kurds',
    'kurdish', 'arab', 'arabs', 'persian', 'persians', 'iranian', 'iranians', 'syrian', 'syrians', 'iraqi', 'iraqis',
    'afghan', 'afghans', 'pakistani', 'pakistanis', 'indian', 'indians', 'hindu', 'hindus', 'sikh', 'sikhs',
    'muslim', 'muslims', 'moslem', 'moslems', 'islamic', 'jew', 'jews', 'jewish', 'israeli', 'israelis',
    'palestinian', 'palestinians', 'christian', 'christians', 'catholic', 'catholics', 'protestant', 'protestants',
    'mormon', 'mormons', 'black', 'blacks', 'white', 'whites', 'asian', 'asians', 'chinese', 'japanese', 'korean',
    'koreans', 'vietnamese', 'filipino', 'filipinos', 'african', 'africans', 'nigerian', 'nigerians', 'somali',
    'somalis', 'ethiopian', 'ethiopians', 'mexican', 'mexicans', 'latino', 'latinos', 'latina', 'latinas',
    'hispanic', 'hispanics', 'brazilian', 'brazilians', 'american', 'americans', 'yankee', 'yankees', 'canadian',
    'canadians', 'british', 'brit', 'brits', 'english', 'scottish', 'scot', 'scots', 'welsh', 'irish', 'french',
    'german', 'germans', 'italian', 'italians', 'spanish', 'portuguese', 'greek', 'greeks', 'polish', 'pole',
    'poles', 'russian', 'russians', 'ukrainian', 'ukrainians', 'belarusian', 'belarusians', 'chechen', 'chechens',
    'armenian', 'armenians', 'azeri', 'azeris', 'georgian', 'georgians', 'european', 'europeans', 'immigrant',
    'immigrants', 'migrant', 'migrants', 'refugee', 'refugees', 'foreigner', 'foreigners', 'gay', 'gays', 'lesbian',
    'lesbians', 'homo', 'homos', 'queer', 'queers', 'trans', 'transgender', 'bisexual',
  ],
};
