// Package account holds the rules an account's email and password must
// follow, wherever one is given: signup and the account routes over REST,
// and the `users` command. Each broken rule is the apperr kind whose text
// the client (or operator) is told.
package account

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/amanda-platform/amanda-backend/apperr"
	"github.com/amanda-platform/amanda-backend/auth"
)

// emailPattern is the old service's rule, applied after NormalizeEmail.
var emailPattern = regexp.MustCompile(`^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\.[a-zA-Z]{2,}$`)

// maxEmailLength is the width of users.email in the old schema.
const maxEmailLength = 120

// MinPasswordLength is the fewest characters (not bytes) a new password has.
const MinPasswordLength = 8

// NormalizeEmail is how an email is stored and looked up: trimmed and
// lower-cased, so logins ignore case as the old service did.
func NormalizeEmail(raw string) string { return strings.ToLower(strings.TrimSpace(raw)) }

// CheckEmail is signup's rule for a normalized email: KindInvalidEmail
// when it is too long for the column or not an address.
func CheckEmail(email string) error {
	if len(email) > maxEmailLength || !emailPattern.MatchString(email) {
		return apperr.New(apperr.KindInvalidEmail)
	}
	return nil
}

// CheckPasswordSize bounds any password given, new or to verify:
// KindPasswordTooLong over auth.MaxPasswordBytes, so that no one makes the
// hasher work on megabytes.
func CheckPasswordSize(password string) error {
	if len(password) > auth.MaxPasswordBytes {
		return apperr.New(apperr.KindPasswordTooLong)
	}
	return nil
}

// CheckNewPassword is the rule for a password being set: at most
// auth.MaxPasswordBytes, at least MinPasswordLength characters.
func CheckNewPassword(password string) error {
	if err := CheckPasswordSize(password); err != nil {
		return err
	}
	if utf8.RuneCountInString(password) < MinPasswordLength {
		return apperr.New(apperr.KindPasswordTooShort)
	}
	return nil
}
