package userns

import "testing"

func TestIsIdentity(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"         0          0 4294967295\n", true},
		{"         0       1000          1\n", false},
		{"         0     100000      65536\n", false},
		{"0 0 4294967295\n1 1 1\n", false},
		{"", false},
	}
	for _, tc := range tests {
		if got := isIdentity(tc.in); got != tc.want {
			t.Errorf("isIdentity(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}
