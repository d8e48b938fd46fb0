package main

import "strings"

type greeting struct{ text string }

func (g greeting) String() string { return g.text + "!" }

//go:noinline
func shout(s fmt_stringer) string {
	defer func() { recover() }()
	return strings.Repeat(s.String(), 2)
}

type fmt_stringer interface{ String() string }
