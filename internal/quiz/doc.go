// Package quiz is the test engine of the learning domain: the question bank,
// a test's settings, the attempt state machine, grading, and the two views of
// a question a learner may see. It is pure logic over JSON-serializable
// types; the learning API stores banks, settings and attempts and calls it.
//
// Keys never leak by construction: a [Question] (with its key) is only ever
// turned into a [LearnerQuestion], which has no field that could hold a
// correct answer, or — through [Review], which checks the review policy at
// the given time — into a [ReviewQuestion]. Handlers serialize those two
// types, never a Question.
//
// Shuffles and pool draws are deterministic functions of the attempt's seed
// (a splitmix64 stream of our own, so a Go upgrade cannot reorder an attempt
// in progress): a reload shows the same questions in the same order, and
// option ids stay the authored ones whatever the order.
package quiz
