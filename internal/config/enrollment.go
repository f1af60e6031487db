package config

// Enrollment configures applications to groups.
type Enrollment struct {
	// PDPolicyVersion is the version of the personal-data processing policy
	// an applicant consents to when submitting; it is recorded with the time.
	PDPolicyVersion string
}

func (l *loader) enrollment() Enrollment {
	return Enrollment{PDPolicyVersion: l.str("KABINET_PD_POLICY_VERSION", "2026-01")}
}

func (c Config) validateEnrollment(bad func(format string, a ...any)) {
	if n := len(c.Enrollment.PDPolicyVersion); n < 1 || n > 50 {
		bad("KABINET_PD_POLICY_VERSION must be 1 to 50 characters")
	}
}
