package account_test

import (
	"strings"
	"testing"

	"github.com/amanda-platform/amanda-backend/account"
	"github.com/amanda-platform/amanda-backend/apperr"
)

func TestRules(t *testing.T) {
	if got := account.NormalizeEmail("  Ada@Example.COM \n"); got != "ada@example.com" {
		t.Errorf("NormalizeEmail = %q", got)
	}
	for _, tc := range []struct {
		name string
		err  error
		want apperr.Kind // KindInternal: no error
	}{
		{"email", account.CheckEmail("ada@example.com"), apperr.KindInternal},
		{"email without a domain", account.CheckEmail("ada@example"), apperr.KindInvalidEmail},
		{"email too long", account.CheckEmail(strings.Repeat("a", 109) + "@example.com"), apperr.KindInvalidEmail},
		{"8 characters", account.CheckNewPassword("12345678"), apperr.KindInternal},
		{"7 characters", account.CheckNewPassword("1234567"), apperr.KindPasswordTooShort},
		{"8 characters in 16 bytes", account.CheckNewPassword("éééééééé"), apperr.KindInternal},
		{"1024 bytes", account.CheckNewPassword(strings.Repeat("a", 1024)), apperr.KindInternal},
		{"1025 bytes", account.CheckNewPassword(strings.Repeat("a", 1025)), apperr.KindPasswordTooLong},
		{"1025 bytes to verify", account.CheckPasswordSize(strings.Repeat("a", 1025)), apperr.KindPasswordTooLong},
		{"a short password to verify", account.CheckPasswordSize("1"), apperr.KindInternal},
	} {
		if tc.want == apperr.KindInternal {
			if tc.err != nil {
				t.Errorf("%s: %v; want no error", tc.name, tc.err)
			}
		} else if !apperr.Is(tc.err, tc.want) {
			t.Errorf("%s: %v; want %v", tc.name, tc.err, tc.want)
		}
	}
}
