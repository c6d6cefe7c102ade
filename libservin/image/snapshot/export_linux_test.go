package snapshot

import "testing"

// SetForceLegacy makes Mount use mount(2) for the duration of t.
func SetForceLegacy(t *testing.T, v bool) {
	old := forceLegacy
	forceLegacy = v
	t.Cleanup(func() { forceLegacy = old })
}
