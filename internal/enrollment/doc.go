// Package enrollment is the domain of applications to groups: a learner
// applies with the personal data and documents the program asks for and
// consents to their processing; the organization's managers work a queue,
// ask for changes, approve (a seat permitting, else the waiting list) or
// reject; every transition is kept with its actor, time and reason, and the
// learner is told of each decision by e-mail.
//
// Other domains use two functions: ApprovedSeat (commerce orders approved
// applications only) and HasAccess (learning opens a program's materials).
package enrollment
