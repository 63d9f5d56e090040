// memory.go works out what a network will cost in memory before anything is allocated, so that
// a flag or a file that asks for too much is refused with one line naming the size, instead of
// the runtime dying mid-allocation with a stack trace. The count follows what the program
// allocates for a network of the given sizes:
//
//	weights and biases        Σ_l (n_l·m_l + m_l) float64s, three times over: the network, its
//	                          gradients (Grads), and one more copy (the lab's starting network
//	                          for reset, or the copy a step on one example is taken on)
//	passes (Pass)             per sample: x (784 float64s), its lit-pixel index (784 uint16s,
//	                          784 float64s and a count), label and loss, and a, σ(a) and δ of
//	                          every layer; for the trainer's two mini-batches of B samples and
//	                          an evaluation piece per worker
//	each layer's own cost     beside its numbers, in everything that holds the layer: its
//	                          Matrix and slice headers in the network, the gradients and the
//	                          copy, and a, σ(a) and δ's headers in each Pass and in each
//	                          worker's views of one (layerOverhead a layer in each); the layer
//	                          count is bounded by maxLayers, so that a file of a million
//	                          one-unit layers is refused as it is read, not allocated
//	a -load file              the bytes read and what they decode into (readModel, model.go:
//	                          jsonWalk.decoded, strictjson.go), held while the network is made
//	bookkeeping               1 MiB for the rest
//
// The data set itself (55 MB of bytes, and the index of its lit pixels, about 25 MB) is not
// counted: its size is fixed, and its files are checked as they are read (mnist.go).

package main

import (
	"fmt"
	"runtime"
)

// The loss over a data set is summed in chunks of evalChunk images (plain_train.go), whatever
// the number of workers. The workers take the images evalPiece at a time, a fifth of a chunk:
// the smaller the piece, the less there is to wait for at the end when a worker's core is taken
// by another program. It is the trainer's (train.go), declared here because the count of memory
// needs it, in the exercise's module too, which has no trainer.
const evalPiece = 100

// maxLayers bounds the layers with weights a network may have: -hidden lists at most 63 hidden
// layers, and -load refuses a file of more as it reads it. Sigmoid networks stop learning long
// before (their δ shrinks by σ′ ≤ ¼ a layer: Nielsen's chapter 5 shows it at four hidden layers).
const maxLayers = 64

// layerOverhead is a generous count of what a layer costs beside its numbers in one thing that
// holds it: two Matrix headers of 40 bytes and a slice header in a Layer or Grads, three Matrix
// headers in a Pass or a view of one, each allocation rounded up to the allocator's sizes.
const layerOverhead = 512

// bookkeeping is what the count leaves out and adds up to less than this: the workers' team and
// goroutine stacks, the trainer's small tables.
const bookkeeping = 1 << 20

// memoryNeed is the count of this file's opening comment, in bytes, as a float64 so that no size
// can overflow it. workers ≤ 0 counts one evaluation piece per CPU, as many as newTrainer makes.
func memoryNeed(sizes []int, batch, workers int) float64 {
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	var params, units float64
	for l := 1; l < len(sizes); l++ {
		params += float64(float64(sizes[l-1])*float64(sizes[l])) + float64(sizes[l])
		units += float64(sizes[l])
	}
	perSample := float64(float64(sizes[0])*(8+2+8)) + 1 + 8 + 8 + float64(3*8*units)
	samples := float64(2*float64(batch)) + float64(float64(workers)*evalPiece)
	// The holders of a layer: the network, its gradients, the copy; the trainer's two passes and
	// their views for a short last mini-batch (newTrainer, train.go); each worker's share of
	// those four and its evaluation piece.
	holders := float64(7 + 5*workers)
	overhead := float64(float64(len(sizes)-1) * float64(layerOverhead*holders))
	return float64(3*8*params) + float64(samples*perSample) + overhead + bookkeeping
}

// checkMemory refuses a network of these sizes, trained in mini-batches of batch by the given
// number of workers, if it would need more than maxMemory, or if it has more than maxLayers
// layers; held is what is held beside it meanwhile (a -load file decoded), what names the flag
// or file.
func checkMemory(what string, sizes []int, batch, workers int, held float64) error {
	if len(sizes)-1 > maxLayers {
		return fmt.Errorf("%s: %d layers, more than the %d this program runs", what, len(sizes)-1, maxLayers)
	}
	if need := float64(memoryNeed(sizes, batch, workers) + held); need > maxMemory {
		return fmt.Errorf("%s: a network of sizes %s with -batch %d would need %s of memory, more than the %d GiB this program allows",
			what, joinInts(sizes, "-"), batch, bytesString(need), maxMemory>>30)
	}
	return nil
}
