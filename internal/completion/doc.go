// Package completion issues, serves and verifies completion documents —
// удостоверения о повышении квалификации, дипломы о профессиональной
// переподготовке and сертификаты — when a learner meets a program's
// requirements (learning.Verdict).
//
// A document is issued in one transaction (Issuer.Issue): an advisory lock
// on the learner and program (concurrent checks never issue twice; a unique
// partial index backs it), the next number of the organization's sequence
// for the kind (internal/docnumber: no gaps, no duplicates), the PDF
// (internal/pdf) stored in blob storage, the Open Badges 3.0 credential
// signed as a VC-JWT (internal/credential) with its revocation status list
// entry, the audit event, and the learner's notification. Documents are
// issued by the completion_check job (jobs.CompletionCheckArgs, inserted by
// learning and assessment) or by staff; staff revoke and reissue them and
// export them for ФИС ФРДО; anyone verifies them by QR code or number.
package completion
