//go:build !js

// static_native.go is browserLab for every platform but js/wasm: the program is never a
// browser's lab there (static_wasm.go is, inside a Web Worker).

package main

// browserLab says whether the program runs as the lab of -static in a browser: never here.
func browserLab() bool { return false }
