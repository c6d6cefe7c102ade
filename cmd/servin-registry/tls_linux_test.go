package main_test

import (
	"github.com/servin/servin/libservin/testutil"
	"testing"
)

// selfSigned writes a self-signed certificate for 127.0.0.1 and localhost.
func selfSigned(t *testing.T) (certFile, keyFile string) { return testutil.SelfSignedCert(t) }
