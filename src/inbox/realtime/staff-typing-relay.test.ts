import { typistShownToPatient } from './staff-typing-relay';

test.each([
  ['Ana López', 'Ana'],
  ['  Marie-Claire  Dubois ', 'Marie-Claire'],
  ["O'Brien", "O'Brien"],
  ['Administrator', 'Administrator'],
  ['', 'Clinic'],
  ['nurse.ana@clinic.example', 'Clinic'],
  ['<b>Bob</b>', 'Clinic'],
  ['Dr. Smith', 'Clinic'],
  ['A'.repeat(31), 'Clinic'],
])('a staff member named %j is shown to the patient as %j', (name, shown) => {
  expect(typistShownToPatient(name)).toBe(shown);
});
