import { createTriage } from './index';

// Presentations a nurse sends to the emergency department, said in words the concepts did not read, and
// everyday sentences that share their words (issue 12). Sentences written for these tests, not taken
// from any fixture.
const triage = createTriage({});
const classify = (text: string) => triage.classifyLocal(text);

describe('emergencies said in other words', () => {
  test.each([
    // cardiac
    'took two nitroglycerin tablets and the pressure is still there',
    'the lifeguard started cpr on my son',
    'tengo un dolor en el pecho que se pasa al brazo izquierdo',
    'sorry if this sounds silly lol but my chest is tight and its moving into my left arm',
    'the pain in my chest doesnt come and go, its there all the time',
    // breathing
    'it feels like breathing through a straw since this morning',
    'my toddler is using his neck muscles to breathe',
    // stroke and sight
    'my dad lost all feeling in his left arm and leg',
    'I lost all vision in my right eye an hour ago',
    'woke up and half of everything is gone in my right eye',
    'mi abuelo no ve de un ojo y le duele la sien',
    // general danger signs beside another red flag
    'she has terrible stomach pain and looks awful',
    'a bee stung him on the arm, his lips are puffy and he seems out of it',
    'there is blood in my stool and I feel lightheaded',
    // diabetic
    'his sugar has been above 500 for three days and hes confused',
    'meter reads 580, ketones are high and I keep throwing up',
    // abdomen, eye, heat, testicle
    'my mom has afib and she has severe stomach pain',
    'a mi esposo le duele la panza que no aguanta',
    'le cayó cal en los ojos a mi hijo',
    'estuvo trabajando al sol y tiene la piel caliente y seca',
    'a mi hijo le dio un dolor fuerte en sus partes de repente',
    // pregnancy
    'im 31 weeks pregnant and slipped and fell on the ice',
    '33 weeks and a sharp pain low in my belly',
    // infants and children
    'mi hijo de 5 semanas tiene fiebre de 38.2',
    'my 4 year old has had diarrhea all day and his eyes look sunken',
    // head injury
    'she fell off the bed and now has a squishy lump on her head',
    'se cayó, se pegó en la cabeza y le sale líquido transparente del oído',
    'fell off my skateboard and hit my head, it hurts more and more',
    // meningitis, anaphylaxis, overdose
    'high fever and she cant touch her chin to her chest',
    'after eating walnuts his eyes are swelling shut and he is wheezing',
    'my daughter is covered in hives and vomiting after the amoxicillin',
    'I think I took about 6 grams of tylenol today',
  ])('%s is an emergency', (text) => {
    expect(classify(text).intent).toBe('emergency');
  });
});

describe('everyday sentences that share their words', () => {
  test.each([
    'can I take my nitro before climbing the stairs?',
    'where can I sign up for a cpr class',
    'I got a new water bottle with a straw',
    'me duele la sien cuando leo mucho',
    'the new haircut looks terrible',
    'I feel lightheaded when I skip lunch',
    'is it normal for high sugar to cause brain fog?',
    'when should I schedule my glucose test, I am 26 weeks',
    'does afib medicine upset the stomach?',
    'at 20 weeks, is it safe to ride in a car for 6 hours?',
    'is 3 grams of tylenol a day safe',
    'lol that exam gave me a heart attack',
    'I am getting more and more freckles this summer',
    'car accident 3 days ago with a concussion, the scan was clear, when can I drive again?',
    'the swelling in my ankle went down overnight',
  ])('%s is no emergency', (text) => {
    expect(classify(text).intent).not.toBe('emergency');
  });
});
