// Package greet is a tiny local module, pulled in through a replace directive.
package greet

func Hello(name string) string { return "hello, " + name }
