//go:build !linux

package main

func features() any {
	return map[string]string{"ociVersionMin": "1.0.0", "ociVersionMax": "1.3.0"}
}
