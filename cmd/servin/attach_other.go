//go:build !unix

package main

func watchResize(func()) (stop func()) { return func() {} }
