//go:build !js

// static_native.go is browserLab and yieldToBrowser for every platform but js/wasm: the
// program is never a browser's lab there (static_wasm.go is, inside a Web Worker).

package main

// yieldToBrowser is for a browser's lab only (letOthersRun, lab_runner.go).
func yieldToBrowser() {}

// browserLab says whether the program runs as the lab of -static in a browser: never here.
func browserLab() bool { return false }
