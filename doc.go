// Mnist-backprop trains a small neural network on the MNIST handwritten digits with a backward
// pass written by hand, in plain Go (the standard library only). It is meant to be read beside
// course notes on backpropagation: every formula of the derivation appears in the code in the
// same order, and every gradient is checked by a test.
//
// Usage:
//
//	go run . [flags]      in the repository (mnist-backprop [flags] once installed)
//
// With no flags it downloads the four MNIST files (11.6 MB) into ./data if they are missing,
// trains a 784-20-10 sigmoid network for 100 epochs, one line per epoch with the time left,
// writes its report to out/report.html, and ends with "test accuracy: 0.9627 (9627/10000)".
//
//	go run . -data DIR -epochs 5 -save net.json   train on your copy of the files, save the network
//	go run . -load net.json -predict digit.png    classify your own digit, a PNG or JPEG
//	go run . -load net.json -explain 0            the passes of test image 0, with their numbers
//	go run . -serve localhost:8080                the lab: draw a digit, watch the passes and the training
//	go run . -exercise DIR                        the assignment: this program with its math to write
//	go run . -help                                every flag, by group
//
// Read the course's code first: network.go (the layers, σ, the forward pass, the loss),
// backprop.go (δ, the gradients, the SGD step, and trainBatch, one mini-batch in the order of
// the notes), matrix.go (the products as plain loops), plain_train.go (the course's training
// loop, trainPlain: epochs of shuffled mini-batches, then the evaluation); then main.go, the
// command line, which hands a run to session.go.
// The fast_*.go files, train.go and parallel.go run the same arithmetic faster and may be
// skipped. README.md lists every file; docs/usage.md gives every flag, the output and the errors.
//
// Notation: a = pre-activation (W·x + b), σ(a) = activation, ŷ = the network's output,
// δ = ∂L/∂a of a layer, η = learning rate; the loss, summed over the 10 outputs with y one-hot,
// is L(y, ŷ) = −Σ_k [(1 − y_k) ln(1 − ŷ_k) + y_k ln ŷ_k].
//
// Errors are one line on standard error that names the flag or the file, and every flag is
// checked before any work: exit status 2 for a bad flag, 1 for a data or file problem, 130 for
// a run stopped by Ctrl-C. The MNIST data set is by Yann LeCun, Corinna Cortes and Christopher
// J.C. Burges. The program is under the MIT license (LICENSE).
package main
