import { createTriage } from './index';

// Self-harm said without self-harm words, often inside an admin request: a finality statement ("it'll
// all be over", "going away for good", "not your patient much longer") beside hopelessness, resolve or a
// time, the means, or a request to stop everything; a vehicle as the method; a medicine one lives on
// stopped to die; asking whether a way of dying is painless; a first-person "what if I just...". And
// the departures, plans and questions that only look like them. Sentences written for these tests, not
// taken from any fixture.
const triage = createTriage({});
const classify = (text: string) => triage.classifyLocal(text);

describe('a finality statement beside hopelessness, resolve, a time or a request to stop everything', () => {
  test.each([
    // hopelessness
    'no point booking the follow up. I wont be around',
    // a time
    'it will all be over tonight, nobody needs to remind me of anything',
    // a request to stop everything at once
    'please cancel every appointment I have, I am going away for good and putting my affairs in order',
    'can you cancel all my appointments, I need to get my affairs in order',
    // not X much longer, with resolve or a request to stop everything
    'take me off the list, not going to be your patient much longer, ive decided',
    'cancel all my refills. I wont be a problem for much longer',
    // "easier if I just wasn't here", inside a cancellation
    'need to cancel friday. honestly it would be easier for everyone if i just wasnt around',
    // hopelessness said as no reason to go on, or that nobody will miss the writer
    'since my husband passed I see no reason to go on',
    'dont bother with the follow up call, nobody will miss me',
    // Spanish
    'cancelen todas mis citas, quiero dejar todo en orden, ya lo decidí',
    'ya no me manden recordatorios, todo se va a acabar esta noche',
  ])('%s -> emergency', (text) => {
    const result = classify(text);
    expect(result).toMatchObject({ intent: 'emergency', urgency: 'emergency', queue: 'nurse-triage' });
  });

  test('"I\'m done" beside a farewell is giving up; done with something named is not', () => {
    expect(classify("i'm done. said goodbye to my cat this morning").intent).toBe('emergency');
    expect(classify("I'm done with my antibiotics, said goodbye to that cough finally").intent).not.toBe(
      'emergency',
    );
  });

  test('a search for someone to tell, beside a plan', () => {
    expect(classify('dont know who to tell. I have a plan for saturday').intent).toBe('emergency');
  });
});

describe('departures, plans and endings that are not a crisis', () => {
  test.each([
    "I won't be around next week, on vacation, can we move it",
    "I won't be around tonight, can you call me tomorrow instead",
    'moving away for good, please cancel and send records',
    'please cancel all my appointments next month, I am going away for good to live with my daughter in Ohio',
    "I'm not going to be a patient here much longer, we are moving to Denver in May",
    'the migraine is going to be over by tonight hopefully, do I still need to come in',
    "I'm done with this pharmacy, send my refills somewhere else",
    'giving away baby clothes, does the clinic want them',
    "no point refilling it now, I won't be around next week to pick it up, I'll get it when I'm back",
    'the paperwork will all be over by friday, thanks for your help',
    'theres no reason to go on with the antibiotics if the rash is gone right?',
    'my kid keeps asking why the grass is green and i have no idea what to tell him',
    'my affairs are in order for the surgery, my wife has power of attorney',
    'no voy a estar la próxima semana, estoy de vacaciones, podemos cambiar la cita?',
    'me voy a vivir con mi hija a otro estado, cancelen todas mis citas por favor',
  ])('%s -> no emergency', (text) => {
    expect(classify(text).intent).not.toBe('emergency');
  });
});

describe('a vehicle as the method', () => {
  test.each([
    'I keep picturing crashing my truck into a pole',
    'my sister texted that shes going to drive her car into the lake',
    'sometimes on the highway i get the urge to swerve into oncoming traffic',
    'pienso en estrellarme contra un muro con el carro',
  ])('%s -> emergency', (text) => {
    const result = classify(text);
    expect(result.intent).toBe('emergency');
    expect(result.reasons.join(' ')).toMatch(/vehicle crash as a suicide method|suicidal statement/);
  });

  test.each([
    'I crashed my car into a tree yesterday and my neck hurts',
    'I was going home when I swerved into the guardrail, my back is sore',
    'we are thinking about driving to the lake this weekend, can I move my appointment',
  ])('%s -> no self-harm emergency', (text) => {
    const result = classify(text);
    expect(result.reasons.join(' ')).not.toMatch(/suicide|suicidal/);
    expect(result.intent).not.toBe('emergency');
  });
});

describe('a medicine one lives on, stopped to die or on purpose', () => {
  test.each([
    'I stopped my insulin on purpose so I can die',
    'dejé de ponerme la insulina para morirme',
    'my grandpa quit his heart pills, he says he wants to go be with grandma',
  ])('%s -> emergency', (text) => {
    expect(classify(text)).toMatchObject({ intent: 'emergency', urgency: 'emergency' });
  });

  test('stopped on purpose with no reason given: a nurse calls today', () => {
    const result = classify('my dad skipped his dialysis on purpose this week');
    expect(result.intent).toBe('clinical_question');
    expect(result.urgency).toBe('urgent');
  });

  test.each([
    'I stopped my blood pressure pills on purpose because they made me dizzy',
    'my grandma passed in march and I want to be with my family for the holidays, can I reschedule',
  ])('%s -> no emergency', (text) => {
    expect(classify(text).intent).not.toBe('emergency');
  });
});

describe('asking whether a way of dying is painless', () => {
  test.each([
    'is an overdose painless',
    'would it be painless to take all my pills at once',
    'una sobredosis es sin dolor?',
  ])('%s -> emergency', (text) => {
    expect(classify(text).intent).toBe('emergency');
  });

  test.each([
    'is the colonoscopy painless',
    'is it painless to get an IUD',
    'will it be peaceful for my mom in hospice when she is dying',
  ])('%s -> no emergency', (text) => {
    expect(classify(text).intent).not.toBe('emergency');
  });
});

describe("a first-person hypothesis about one's own death", () => {
  // A method named about oneself: the same as saying it. A nurse manager sends the crisis reply now: by
  // text nobody can ask whether there is intent or a plan, and the reply costs little if there is none.
  test.each(['what if I just drove my car off the bridge', 'what if i just hanged myself'])(
    '%s -> emergency',
    (text) => {
      const result = classify(text);
      expect(result.intent).toBe('emergency');
      expect(result.reasons.join(' ')).not.toMatch(/not counted: (a vehicle|suicidal)/);
    },
  );

  // No method named: a nurse reads it within the hour; a question is no longer set aside.
  test('what if i just wanted to die -> urgent, not dismissed', () => {
    const result = classify('what if i just wanted to die');
    expect(result.queue).toBe('nurse-triage');
    expect(['urgent', 'emergency']).toContain(result.urgency);
  });

  test.each([
    'what if I have a heart attack on the plane',
    'what if I hurt myself at the gym',
    'what should I do if my son says he wants to kill himself',
  ])('%s -> still a question, no emergency', (text) => {
    expect(classify(text).intent).not.toBe('emergency');
  });
});

describe('an opt-out beside a finality statement is an emergency, never written to the ledger', () => {
  test.each([
    "stop texting me, I won't be around anymore",
    'unsubscribe me. it will all be over soon',
    'remove me from your list, im not going to be a patient much longer, ive made up my mind',
    'no me manden más mensajes, ya no voy a estar aquí',
  ])('%s -> emergency, the opt-out set aside', (text) => {
    const result = classify(text);
    expect(result).toMatchObject({ intent: 'emergency', queue: 'nurse-triage', clinicalContent: true });
    expect(result.reasons.join(' ')).toMatch(/opt-out set aside/);
  });

  test.each([
    "stop texting me, I've made up my mind to switch clinics",
    'take me off the list, we are moving away for good',
    'unsubscribe me, I am going away for good, moving to Spain',
  ])('plain opt-out with a reason still stands: %s', (text) => {
    const result = classify(text);
    expect(result.intent).toBe('opt_out');
    expect(result.clinicalContent).toBe(false);
  });

  // Every way the clinic's opt-out intent is phrased, not only the phrases this file lists.
  test('each opt-out example that stands alone becomes an emergency beside "I won\'t be here anymore"', () => {
    const examples = triage.intents.find((i) => i.name === 'opt_out')!.examples;
    const standing = examples.filter((e) => classify(e).intent === 'opt_out');
    expect(standing.length).toBeGreaterThan(20);
    const missed = standing
      .map((e) => `${e}. i wont be here anymore`)
      // A reason given ("call me instead", "i moved away") makes it a departure.
      .filter((text) => !/call me instead|moved away/.test(text))
      .filter((text) => classify(text).intent !== 'emergency');
    expect(missed).toEqual([]);
  });

  test('a guess of opt-out that names nothing to stop, beside a finality statement, is an emergency', () => {
    const result = classify('stop stop stop. i wont be here anymore');
    expect(result.intent).toBe('emergency');
    expect(result.reasons.join(' ')).toMatch(/opt-out set aside/);
    // With no finality statement it is still the front desk's to confirm.
    expect(classify('stop it').intent).toBe('general');
  });
});
