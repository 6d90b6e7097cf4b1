import { createTriage } from './index';

const triage = createTriage({});
const classify = (text: string) => triage.classifyLocal(text);

describe('red-flag concepts: inflections, word order, intensifiers, run-together words, Spanish', () => {
  test.each([
    // [text, the concept label the reasons must name]
    ['the pain is radiating down my left arm and my chest is tight', 'chest pain or pressure'],
    ['pain radiates to my jaw, chest feels heavy', 'chest pain or pressure'],
    ['chestpain since an hour', 'chest pain or pressure'],
    ['my chest really really hurts', 'chest pain or pressure'],
    ['chst pain', 'chest pain or pressure'],
    ['I think im having a heart attack', 'heart attack'],
    ['I can hardly breathe', 'cannot breathe'],
    ['she can barely breathe', 'cannot breathe'],
    ['cantbreathe', 'cannot breathe'],
    ['I cannot catch my breath', 'cannot breathe'],
    ['cant breath', 'cannot breathe'],
    ['HELP my son is not breathing', 'not breathing or turning blue'],
    ['his lips are turning blue', 'not breathing or turning blue'],
    ['she cant move the left side of her body', 'weakness or numbness on one side'],
    ['numbness on the left side', 'weakness or numbness on one side'],
    ['my dads face is drooping and his speech is slurred', 'face drooping'],
    ['my mom is slurring her words', 'slurred or garbled speech'],
    ['a mi papa se le cayo la cara de un lado', 'face drooping'],
    ['bleeding heavily and it wont stop', 'heavy or non-stop bleeding'],
    ['the cut cannot stop bleeding', 'heavy or non-stop bleeding'],
    ['soaked through 2 pads in an hour', 'soaking a pad an hour or more'],
    ['estoy sangrando mucho', 'heavy or non-stop bleeding'],
    ['wanna kill myself', 'suicidal statement'],
    ['kms', 'suicidal statement'],
    ['i dont want to live anymore', 'passive suicidal ideation'],
    ['everyone would be better off without me', 'passive suicidal ideation'],
    ['me quiero morir', 'wish to die'],
    ['my throat is closing up', 'throat closing or tightening'],
    ['lips swelling after I ate peanuts', 'swelling of the tongue, lips or face after an allergen'],
    ['my toddler swallowed a button battery', 'swallowed a button battery'],
    ['my 2 year old swallowed some magnets', 'swallowed magnets'],
    ['my son drank bleach', 'swallowed a cleaning product or poison'],
    ['he took a whole bottle of tylenol', 'took too much of a medicine or drug'],
    ['me tome todo el frasco de pastillas', 'took too much of a medicine or drug'],
    ['my toddler swallowed pills', 'a child got into medicines'],
    ['I am pregnant and bleeding', 'bleeding or severe pain in pregnancy'],
    ['my water broke at 31 weeks', 'waters broke or leaking fluid'],
    ['she passed out and is unresponsive', 'unresponsive, unconscious or collapsed'],
    ['my husband wont wake up', 'unresponsive, unconscious or collapsed'],
    ['having a seizure', 'seizure'],
    ['mi hijo esta convulsionando', 'seizure'],
    ['my 3 week old has a fever of 100.6', 'fever in a baby under 3 months'],
    ['mi bebe de 5 semanas tiene fiebre', 'fever in a baby under 3 months'],
    ['boiling water spilled on my sons arm', 'scald with boiling or hot liquid'],
    ['my friend got stabbed', 'stab or gunshot wound'],
    ['fever and a stiff neck', 'stiff neck or purple rash with fever or headache'],
    ['no puedo respirar', 'cannot breathe'],
    ['tengo dolor de pecho', 'chest pain or pressure'],
    ['me duele mucho el pecho', 'chest pain or pressure'],
    ['se me esta cerrando la garganta', 'throat closing or tightening'],
    ['no tengo fiebre pero tengo dolor de pecho', 'chest pain or pressure'],
    ['no fever but crushing chest pain', 'chest pain or pressure'],
  ])('%s -> emergency (%s)', (text, label) => {
    const result = classify(text);
    expect(result).toMatchObject({
      intent: 'emergency',
      urgency: 'emergency',
      queue: 'nurse-triage',
      engine: 'red-flag',
      clinicalContent: true,
    });
    expect(result.reasons.some((r) => r.startsWith(`red flag: ${label} (`))).toBe(true);
  });
});

describe('ConText modifiers', () => {
  test.each([
    // [text, the reason fragment that must explain why it is not an emergency]
    ['no chest pain anymore', 'negated ("no")'],
    ['denies chest pain', 'negated ("denies")'],
    ['I am not suicidal', 'negated ("not")'],
    ['no tengo dolor de pecho', 'negated ("no tengo")'],
    ['no shortness of breath', 'negated ("no")'],
    ['my dad had a stroke twelve years ago', 'past history'],
    ['had a heart attack in 2015, do i still need aspirin', 'past history'],
    ['I used to cut myself in high school', 'past history'],
    ['history of seizures, need my refill', 'past history'],
    ['can an infection cause a heart attack?', 'a question or hypothesis'],
    ['what are the signs of a stroke', 'a question or hypothesis'],
    ['if my baby stops breathing what do I do', 'a question or hypothesis'],
    ['I had chest pain but it went away', 'over now'],
    ['the heavy bleeding stopped an hour ago, should I still come in', 'over now'],
    ['tenia dolor de pecho pero ya se me quito', 'over now'],
  ])('%s -> not an emergency, because %s', (text, why) => {
    const result = classify(text);
    expect(result.intent).not.toBe('emergency');
    expect(result.urgency).not.toBe('emergency');
    expect(result.clinicalContent).toBe(true);
    expect(result.reasons.some((r) => r.startsWith('not counted:') && r.includes(why))).toBe(true);
  });

  test.each([
    ['my husband has crushing chest pain', 'my husband'],
    ['my toddler is not breathing', 'my toddler'],
    ['mi esposa no puede respirar', 'mi esposa'],
  ])('someone else, now, is still an emergency: %s', (text, who) => {
    const result = classify(text);
    expect(result.intent).toBe('emergency');
    expect(result.reasons.join('\n')).toContain(`about someone else ("${who}")`);
  });

  test('history does not hide a new event: "had a stroke years ago and now my face is drooping"', () => {
    expect(classify('had a stroke years ago and now my face is drooping').intent).toBe('emergency');
  });

  test('a negation inside a match reaches its part: "bumped his head, no vomiting, acting normal now"', () => {
    const result = classify('my toddler bumped his head, no vomiting, acting totally normal now');
    expect(result.intent).not.toBe('emergency');
  });

  test('a clause break stops a negation: "no fever and crushing chest pain"', () => {
    expect(classify('no fever and crushing chest pain').intent).toBe('emergency');
  });
});

describe('acuity', () => {
  test.each([
    // [without an acuity signal: urgent, never routine], [the same with one: emergency]
    ['I am short of breath', 'I am short of breath and it is getting worse'],
    ['I lost vision in one eye', 'I suddenly lost vision in one eye'],
    ['my testicle hurts', 'sudden pain in my testicle'],
    ['my belly hurts so bad', 'worst belly pain of my life'],
    ['car accident yesterday', 'car accident and he wont wake up'],
  ])('%s -> urgent; with acuity -> emergency', (plain, acute) => {
    const withoutAcuity = classify(plain);
    expect(withoutAcuity).toMatchObject({ intent: 'clinical_question', queue: 'nurse-triage' });
    expect(['urgent', 'soon']).toContain(withoutAcuity.urgency);
    const withAcuity = classify(acute);
    expect(withAcuity).toMatchObject({ intent: 'emergency', urgency: 'emergency' });
  });

  test('an acuity word that is itself denied does not raise: "short of breath, not getting worse"', () => {
    expect(classify('a little short of breath, not getting worse').intent).not.toBe('emergency');
  });

  test('mild lowers an emergency-by-itself concept to urgent, never an absolute one', () => {
    expect(classify('slight chest pain when I cough')).toMatchObject({
      intent: 'clinical_question',
      urgency: 'urgent',
    });
    expect(classify('a little bit suicidal').intent).toBe('emergency');
  });

  test('two red flags together are an emergency: jaw pain and feeling faint', () => {
    expect(classify('pain in my jaw and down my arm and i feel like im gonna pass out').intent).toBe(
      'emergency',
    );
  });
});

describe('typo repair never invents a symptom', () => {
  test.each([
    'I went on strike at work today',
    'the hart family is coming over',
    'cooking dinner for the kids',
    'my stoke on trent trip is next week',
    'the breast cancer walk is on sunday',
  ])('%s -> no red flag', (text) => {
    const result = classify(text);
    expect(result.intent).not.toBe('emergency');
    expect(result.reasons.some((r) => r.startsWith('red flag'))).toBe(false);
  });

  test.each([
    ['siezure', 'seizure'],
    ['unconcious', 'unresponsive, unconscious or collapsed'],
    ['suicidle thoughts and a plan', 'suicidal statement'],
  ])('a misspelling that is no word (%s) is read as the concept word', (typo, label) => {
    const result = classify(`my son is ${typo}`);
    expect(result.intent).toBe('emergency');
    expect(result.reasons.some((r) => r.startsWith(`red flag: ${label}`))).toBe(true);
  });
});

describe('non-clinical uses of scary words', () => {
  test.each([
    'this bill is killing me, can i do a payment plan',
    'dying to know when my appointment is',
    'este calor me esta matando jaja',
    'my phone is going to die, call me later',
    'how long after the flu shot can I take tylenol',
    'I need a refill of my seizure medication',
    'can you send the ambulance bill to my insurance',
    'I cut myself shaving',
    'is heat stroke dangerous for dogs',
  ])('%s -> not an emergency', (text) => {
    expect(classify(text).intent).not.toBe('emergency');
  });
});

describe('safety wins over intent', () => {
  test.each([
    'please stop texting me, everyone would be better off without me',
    'cancel my appointment, i wont need it where im going',
    'STOP. i want to kill myself',
    'unsubscribe. no quiero vivir',
  ])('%s -> emergency, not opt_out or cancel', (text) => {
    expect(classify(text)).toMatchObject({ intent: 'emergency', clinicalContent: true });
  });

  test('an opt-out with a clinical word is not free of clinical content', () => {
    const result = classify('stop texting me, my knee still hurts');
    expect(result.clinicalContent).toBe(true);
  });

  test('a plain opt-out carries no clinical content', () => {
    expect(classify('please stop texting me')).toMatchObject({ intent: 'opt_out', clinicalContent: false });
  });
});

describe('the classifier alone never makes an emergency', () => {
  test.each([
    'I want to come in right now and I am ready',
    'i am really want to know and right now please',
    'can you call me right now',
  ])('%s -> not an emergency', (text) => {
    expect(classify(text).intent).not.toBe('emergency');
  });
});

describe('bounded work', () => {
  test('a red flag deep inside a long message is still found', () => {
    const text = `${'my appointment is next week and I have some questions. '.repeat(100)}now I cant breathe`;
    expect(text.length).toBeGreaterThan(5000);
    expect(classify(text).intent).toBe('emergency');
  });

  test('a message made of one red flag repeated to the size cap classifies', () => {
    expect(classify('chest pain '.repeat(2000)).intent).toBe('emergency');
  });

  test('reminder context never hides a red flag', () => {
    const result = triage.classifyLocal('2 chest pain', { lastOutboundTemplate: 'appointment-reminder' });
    expect(result.intent).toBe('emergency');
  });
});

describe('crisis messages that read like goodbyes or opt-outs are emergencies, never opt-outs', () => {
  test.each([
    'please quit texting me, i will not need any of this after tonight',
    'take me off your list. i wont be around for the next visit anyway',
    'thank you all for trying. this is my last message',
    'she texted goodbye to all of us and now she is not answering',
    'mejor ya no me escriban, despues de hoy no los voy a necesitar',
    'my brother has been stockpiling his pills',
    'he is sitting in the garage with the car running',
    'she says she doesnt want to wake up anymore',
  ])('%s', (text) => {
    expect(classify(text)).toMatchObject({ intent: 'emergency', urgency: 'emergency' });
  });

  test.each([
    'we are moving out of state so we wont need any more appointments, thanks for everything',
    'cancel everything for march, i will be on vacation, thank you',
    'ya no necesito citas, me cambie de clinica, gracias por todo',
  ])('a departure with its reason is not a crisis: %s', (text) => {
    expect(classify(text).intent).not.toBe('emergency');
  });
});

describe('modifiers on the weak categories', () => {
  test.each([
    // a negation reaches across "or"; a brief moment is not a duration in minutes; a question about a threshold
    'no chest pain or trouble breathing, only a stuffy nose',
    'my daughter bumped her head on the door and cried for a minute',
    'what temperature is a fever in a newborn',
    'my fathers stroke left him with a weak hand, can he get therapy',
    'my lip is still numb from the dentist',
    'how long does a seizure usually last',
  ])('%s is not an emergency', (text) => {
    expect(classify(text).intent).not.toBe('emergency');
  });

  test.each([
    ['he has been seizing for 6 minutes', 'seizure'],
    ['it is like a curtain over my left eye', 'loss of vision in one eye, just now or overnight'],
    ['my 5 week old keeps throwing up every feed', 'a young baby who keeps vomiting'],
    ['my 9 month old has no tears and a dry mouth after throwing up all day', 'dehydration in a baby'],
    ['mi abuelo se agarra el pecho y esta sudando', 'clutching the chest, pale or sweaty'],
    ['grandpa fell and hit his head, he is on warfarin', 'head injury on a blood thinner'],
    ['i swallowed all of my seroquel', 'took too much of a medicine or drug'],
  ])('%s -> %s', (text, label) => {
    const result = classify(text);
    expect(result.intent).toBe('emergency');
    expect(result.reasons.join(' ')).toContain(label);
  });
});

describe('self-harm warning signs and containing modifiers', () => {
  test.each([
    'there are forty pills lined up on my desk in front of me',
    'my sister keeps saying she feels like a burden and gave her dog away',
    'he is hitting his head on the floor on purpose',
    'mi hijo se esta cortando con un vidrio',
  ])('%s is an emergency', (text) => {
    expect(classify(text)).toMatchObject({ intent: 'emergency', urgency: 'emergency' });
  });

  test.each([
    // a history trigger that holds the concept speaks of it; a vaccine is not a gunshot
    'after her stroke my mom walks with a cane, can she get a handicap form',
    'desde el derrame mi papa usa baston',
    'i got a shot in the arm at the pharmacy and it is sore',
    'i burned my hand on the pan, not on purpose obviously',
  ])('%s is not an emergency', (text) => {
    expect(classify(text).intent).not.toBe('emergency');
  });
});

describe('generalization: units run together, word order, care remarks past "and", intensity inside a match', () => {
  test.each([
    ['baby is 6 wks and temp is 38.5', 'fever in a baby under 3 months'],
    ['my newborn feels hot, 100.6 rectal', 'fever in a baby under 3 months'],
    ['my 2yo got into my edibles', 'a child got into medicines'],
    ["my baby's soft spot is bulging and she's vomiting", 'bulging soft spot'],
    ['i think i broke my neck', 'possible spinal injury'],
    ["i've got a rope and a plan", 'suicidal statement'],
    ['i cut my wrists', 'self-harm'],
    ['dad is acting really confused and his speech is off all of a sudden', 'slurred or garbled speech'],
  ])('%s -> %s', (text, label) => {
    const result = classify(text);
    expect(result.intent).toBe('emergency');
    expect(result.reasons.join(' ')).toContain(label);
  });

  test.each([
    // care after the event, past "and"; a comparison of two conditions; the person's usual state
    'my mother had a stroke and is in rehab, can we get her a follow up with neurology',
    "what's the difference between a seizure and fainting",
    'i take aspirin daily since my heart attack',
    "my dad has parkinson's and his speech is a little slurred, that's his usual",
    'my dad had a heart attack in his 50s, should i be screened',
    'is chest pain after a workout normal',
    "i'm drowning in work, need to reschedule",
    'my 4 year old has a fever of 103, tylenol brought it down',
  ])('%s is not an emergency', (text) => {
    expect(classify(text).intent).not.toBe('emergency');
  });

  test('an intensity word inside the match lowers it, and the reasons say so', () => {
    const result = classify('his speech is a little slurred');
    expect(result.urgency).toBe('urgent');
    expect(result.reasons.join(' ')).toContain('described as mild');
  });
});

describe('generalization, second round: described without the textbook word', () => {
  test.each([
    ["my dad was working outside in the heat, now he's confused and not sweating", 'heat stroke'],
    ['she says it feels like an elephant is sitting on her', 'crushing pressure like a weight on the chest'],
    ['he can hardly say two words without gasping', 'too breathless to speak in sentences'],
    ['her oxygen reading is 84', 'low oxygen reading'],
    ['cut my hand and its spurting, soaked through 3 towels', 'heavy or non-stop bleeding'],
    ['we all have headaches and the dog is sick too, the heater was on all night', 'gas smell or CO alarm'],
    [
      'got a shot at the pharmacy and now i have hives and feel like i am going to faint',
      'hives with dizziness',
    ],
    ['grandma fell and cant get up, her leg looks shorter and turned out', 'possible broken hip'],
    ['gave birth last week and im soaking a pad every 30 min and passing big clots', 'soaking a pad'],
    ['my son has a purple rash that doesnt fade when i press a glass on it and a fever', 'purple rash'],
  ])('%s -> %s', (text, label) => {
    const result = classify(text);
    expect(result.intent).toBe('emergency');
    expect(result.reasons.join(' ')).toContain(label);
  });

  test.each([
    // stories, machines and games; paperwork; a word whose stem is another's ("inhaler", "que lastima")
    'watched a movie about a guy who has a heart attack on a plane',
    'the printer in my office is having a seizure again',
    'my phone fell in the toilet and drowned',
    'my little brother keeps beating me at chess',
    'DMV medical form about my seizures needs a doctor signature',
    'my dad had a mini stroke (TIA) in 2021, can he take fish oil',
    "is wheezing with a cold normal for kids with asthma, he's using his inhaler",
    'el jugador se lesiono la rodilla en el partido, que lastima',
    'poison ivy rash on both arms',
    'i snore loud and wake up gasping sometimes, wife thinks it is sleep apnea',
  ])('%s is not an emergency', (text) => {
    expect(classify(text).intent).not.toBe('emergency');
  });

  test('choking that cannot be coughed out is not resolved', () => {
    expect(classify("choking on a piece of meat and can't cough it out").intent).toBe('emergency');
  });
});

// dev-j's misses were tuned as each category's general forms; these are neighbours of those lines, not
// the lines themselves (other tenses, other people, Spanish), and the everyday sentences beside them.
describe('generalization, third round: the forms around dev-j', () => {
  test.each([
    ['tosio mucha sangre en la mañana', 'coughing up blood'],
    ['his eyes are stuck looking to the left and he wont answer', 'eyes pulled to one side'],
    ['her words sound wrong and her arm is weak', 'slurred or garbled speech'],
    ['the vision in my right eye just went dark', 'loss of vision in one eye'],
    ['took like 30 of my sleeping pills, so drowsy', 'many pills taken, with symptoms'],
    ['firecracker blew up in his hand', 'a firework or blast'],
    ['her sleeve caught fire on the stove', 'clothes or hair caught fire'],
    ['got electrocuted fixing an outlet and now my chest hurts', 'electric shock'],
    ['my brother has hemophilia and fell off his skateboard', 'bleeding disorder'],
    ['missed my period, sharp pain low on the left and i feel like im going to pass out', 'faintness'],
    ['my 2 year olds poop looks like red jelly', 'red jelly'],
    ['kicked in the balls at practice, now swollen and throwing up', 'testicle'],
    ['dont try to call me, thanks for everything', 'cannot be reached'],
  ])('%s -> %s', (text, label) => {
    const result = classify(text);
    expect(result.intent).toBe('emergency');
    expect(result.reasons.join(' ')).toContain(label);
  });

  test.each([
    // a sore rib is not a band of pressure; the day's usual doses; a test of the blood, not blood brought up
    'my ribs hurt after I fell skiing',
    'i took all my morning meds and feel a bit dizzy',
    'my blood sugar was 140 and i threw up once',
    'ate too much sugar at the party and threw up',
    // a crushed pill; a habit, not an event
    'is it ok to crush my dads metoprolol, he has trouble swallowing pills',
    'i get dizzy every time i stand up too fast',
    'the fireworks show went off without a hitch',
  ])('%s is not an emergency', (text) => {
    expect(classify(text).intent).not.toBe('emergency');
  });
});

// dev-k's misses were tuned as each category's general forms (a crash beside any red flag, lay words
// for a full-thickness burn or a rigid belly, an implanted defibrillator that fired, intussusception, a
// type 1 with ketones, medicines counted out by name); these are neighbours of those lines, not the
// lines, with the everyday sentences and figures of speech that must stay quiet.
describe('generalization, fourth round: the forms around dev-k', () => {
  test.each([
    ['truck wreck on the highway, she says she cant feel or move her legs', 'possible spinal injury'],
    ['got t boned at an intersection, now hes sweaty and grey', 'car crash or fall'],
    ['dirt bike crash and now he doesnt know what year it is', 'car crash or fall'],
    ['my daughter stuck a fork in the outlet and now her heart is acting weird', 'electric shock'],
    ['the defib zapped me twice this morning', 'implanted defibrillator'],
    ['belly is stiff as a board and i cant stand up straight', 'rigid abdomen'],
    ['my 9 month old keeps pulling her knees up and screaming every 20 minutes', 'knees drawn up'],
    ['type 1 diabetic, high ketones and keeps vomiting', 'diabetic with danger signs'],
    ['she swallowed 30 of her nortriptyline and is really drowsy', 'took too much of a medicine'],
    ['took 15 of my citalopram and my heart is skipping', 'many pills taken, with symptoms'],
    [
      'we all have bad headaches and the kids are throwing up, the space heater has been on for days',
      'gas smell or CO alarm with symptoms',
    ],
    ['mi papa tiene una infeccion en la pierna y no sabe que dia es', 'signs of sepsis'],
    ['i left letters for everyone on my desk', 'passive suicidal ideation'],
    [
      'dad keeps looking for his gun and says theres no reason to live since mom passed',
      'passive suicidal ideation',
    ],
  ])('%s -> %s', (text, label) => {
    const result = classify(text);
    expect(result.intent).toBe('emergency');
    expect(result.reasons.join(' ')).toContain(label);
  });

  test.each([
    // sport: a team that "choked" late in a game; a pain said to be gone after it is named (Spanish)
    'our team choked in the 4th quarter, so frustrating',
    'we choked in the playoffs again, what a season',
    'tenia dolor de pecho en la mañana, ya no me duele',
    // learning to use a rescue pen; the new words in everyday use
    'how exactly do you use an epipen, the school nurse asked me',
    'i rode my bike without a helmet today, is that bad',
    'my heart feels funny when I drink coffee',
    'fender bender last week, my neck is a little stiff',
    'my defibrillator check is next week, do I need to fast',
    'i take amitriptyline 25 mg at night for my migraines',
    'type 1 diabetic, how often should i check ketones when i am sick',
    'my grandma passed in may and i have been crying a lot',
    'the furnace guy is coming tomorrow, it has been making noise all week',
    'this traffic is killing me',
    'dying to see the new movie this weekend',
  ])('%s is not an emergency', (text) => {
    expect(classify(text).intent).not.toBe('emergency');
  });

  test('a real choking child is still an emergency beside a word that reads like sport', () => {
    expect(classify('my son is choking on a quarter he found').intent).toBe('emergency');
  });
});

// dev-l round: near the false alarms of triage-dev-l.jsonl (hard non-emergencies and hyperbole),
// not its lines. Each failed before this round; the emergencies beside them must stay caught.
describe('dev-l round: episodes that ended, care already given, measurements, laughter', () => {
  test.each([
    // a resolution that opens its own clause after "and"/"then", in the sentence after the symptom
    'had a heavy feeling in my chest at my desk this morning, lasted a minute or so and went away by itself',
    'my vision went blurry in my left eye for about 10 minutes at lunch, then it cleared completely',
    'my baby choked on a blueberry but coughed it right up and is breathing normally',
    // care already given: the visit and its finding are past
    'my wife was in the ER on Saturday for chest pain and they said it was a pulled muscle, does she need to see you',
    'estuve en urgencias por dolor de pecho y me dijeron que era gastritis, necesito cita?',
    // "blood" that starts a measurement ("bp" reads "blood pressure")
    'im 32 weeks pregnant and my blood pressure was 118 over 70 at the pharmacy, is that good',
    'pregnant, my bp was fine at the checkup, do i need another blood test?',
    // "dying of laughter" and a pain of the chest wall
    'this video has me crying, i cant breathe its too funny',
    'me voy a morir de risa con tus chistes',
    'my nephew is choking with laughter at the cartoon',
    'my chest wall is sore after boxing practice, hurts to touch',
    'what size battery does the kitchen timer take',
    'what can cause a heart attack in young people',
    'my boys are clumsy, always hurting themselves on the trampoline. when should a bruise be checked?',
  ])('%s is not an emergency', (text) => {
    expect(classify(text).intent).not.toBe('emergency');
  });

  test.each([
    // the same words, happening now
    'im 30 weeks pregnant and there is blood all over the sheets',
    'my chest pain went away yesterday but now its back, crushing and spreading to my arm',
    'was in the ER last night for chest pain and now the pain is back and worse',
    'my toddler swallowed the battery from the kitchen timer',
    'i want to die, nothing is funny anymore',
    'me quiero morir jajaja no aguanto mas esta vida',
    'he is choking on a grape and cant cough it up',
    // lay words for the chest; "dont worry" and "cause i" deny and ask nothing
    'grandpa says his ticker feels heavy, like somebody is standing on it',
    'im ok dont worry, just going to take all my dads pills tonight',
    'took a handful of tylenol cause i want to die',
    // a stiff neck said as what the child cannot do, in Spanish
    'mi hija tiene fiebre de 39, dolor de cabeza y no puede mover el cuello',
  ])('%s is still an emergency', (text) => {
    expect(classify(text).intent).toBe('emergency');
  });
});
