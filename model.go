// model.go saves a trained network as JSON and loads it back, so that a network can be kept,
// evaluated again, trained further, or asked about a digit (predict.go) without training anew.
//
// The file holds the layer sizes, every layer's W (one array per unit: its incoming weights)
// and b, and the settings and results of the run that made it. Go writes each float64 in the
// shortest form that reads back to the same bits, so a loaded network predicts exactly as the
// saved one did. Loading checks the shapes and values and names the problem in one line.
//
// It also holds the choice of the network a run starts from: the -load one, or a new one.

package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
)

// modelFormat identifies a file written by saveModel.
const modelFormat = "mnist-backprop network v1"

// maxModelFile bounds the size of a file -load reads whole, before it reads it: 1 GiB, about
// 50 million weights as saveModel writes them (some 20 characters each), which is as large as
// -hidden allows (784×65536). The course's network takes 300 kB.
const maxModelFile = 1 << 30

// savedModel is the JSON form of a network.
type savedModel struct {
	Format   string            `json:"format"`
	Sizes    []int             `json:"sizes"`
	Layers   []savedLayer      `json:"layers"`
	Settings map[string]string `json:"settings,omitempty"`
	Results  map[string]any    `json:"results,omitempty"`
}

type savedLayer struct {
	W [][]float64 `json:"w"` // W[j] holds the weights into unit j
	B []float64   `json:"b"`
}

// saveModel writes net, with the run's settings and results, to path (atomically).
func saveModel(path string, net *Network, settings map[string]string, results map[string]any) error {
	m := toSaved(net, settings, results)
	return writeFileAtomic(path, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", " ")
		if err := enc.Encode(m); err != nil {
			return fmt.Errorf("-save %s: %w", path, unwrapPathError(err)) // the error, not the temporary file's name
		}
		return nil
	})
}

// toSaved returns the JSON form of net, sharing its memory.
func toSaved(net *Network, settings map[string]string, results map[string]any) savedModel {
	m := savedModel{Format: modelFormat, Sizes: net.Sizes, Settings: settings, Results: results}
	for _, layer := range net.Layers {
		var sl savedLayer
		for j := 0; j < layer.W.Rows; j++ {
			sl.W = append(sl.W, layer.W.row(j))
		}
		sl.B = layer.B
		m.Layers = append(m.Layers, sl)
	}
	return m
}

// loadedModel is what readModel reads of a saved network (savedModel): its settings are not read,
// and of its results only the epochs it had been trained, which a later -save adds to.
type loadedModel struct {
	Format  string       `json:"format"`
	Sizes   []int        `json:"sizes"`
	Layers  []savedLayer `json:"layers"`
	Results struct {
		Epochs *int64 `json:"epochs_trained"`
	} `json:"results"`
}

// maxSavedEpochs bounds the epochs_trained a saved network may say it had: more than any run
// trains, and an integer that JavaScript (the lab's page) holds exactly.
const maxSavedEpochs = 1_000_000_000

// epochsFit checks, before a run trains up to epochs more, that the file it saves will say no more
// epochs than -load accepts (maxSavedEpochs), with the before it started from (−1: unknown, as 0).
func epochsFit(before, epochs int) error {
	if before = max(before, 0); epochs > maxSavedEpochs-before {
		return fmt.Errorf("-epochs %d: with the %d epochs the network had, it would say %d, more than the %d a saved network may record",
			epochs, before, int64(epochs)+int64(before), maxSavedEpochs)
	}
	return nil
}

// loadModel reads the network saved at path for a use that does not train it (-predict): what
// readModel reads, with the memory of one pass.
func loadModel(path string) (*Network, error) {
	net, _, err := readModel(path, 1, 1)
	return net, err
}

// readModel reads a network saved by saveModel, checking that it is one this program can run:
// 784 inputs, 10 outputs, at most maxLayers layers, every W and b of the shape its sizes say, every
// number finite, and its memory, trained in mini-batches of batch by workers, with the file's own
// decoding held meanwhile, within maxMemory (limits.go) by memory.go's count. It returns the epochs
// the network had been trained, or −1 if the file does not say (one written by another tool).
func readModel(path string, batch, workers int) (*Network, int, error) {
	fail := func(format string, args ...any) (*Network, int, error) {
		return nil, 0, fmt.Errorf("-load %s: %s", path, fmt.Sprintf(format, args...))
	}
	if special(path) { // looked at before reading, which would wait forever on a named pipe
		return fail("is a directory or special file, not a saved network")
	}
	st, err := os.Stat(path)
	if err == nil && st.Size() > maxModelFile {
		return fail("%d bytes, more than the %d bytes a saved network of this program may take", st.Size(), maxModelFile)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, 0, fmt.Errorf("-load %s: %v", path, unwrapPathError(err))
	}
	return modelFromBytes(path, data, batch, workers)
}

// modelFromBytes is readModel's check and decoding of the bytes of the file named path: also
// the browser's (static_wasm.go), whose file comes from a file picker.
func modelFromBytes(path string, data []byte, batch, workers int) (*Network, int, error) {
	fail := func(format string, args ...any) (*Network, int, error) {
		return nil, 0, fmt.Errorf("-load %s: %s", path, fmt.Sprintf(format, args...))
	}
	if len(data) > maxModelFile {
		return fail("%d bytes, more than the %d bytes a saved network of this program may take", len(data), maxModelFile)
	}
	// The file is walked before it is decoded (strictjson.go): at most maxLayers layers, and
	// what it decodes into, beside its bytes, within the bound, so that no file, however made,
	// is decoded past it.
	var m loadedModel
	decoded, err := strictUnmarshal(data, &m, jsonRules{skipUnknown: true,
		bounds: map[string]int{"sizes": maxLayers + 1, "layers": maxLayers,
			"layers[].w": maxHiddenUnits, "layers[].w[]": maxHiddenUnits, "layers[].b": maxHiddenUnits},
		maxDecoded: float64(maxMemory - float64(len(data)) - bookkeeping)})
	var be *jsonBoundError
	switch {
	case errors.As(err, &be) && !be.memory:
		return fail("%v: a network of this program has at most %d layers of at most %d units", err, maxLayers, maxHiddenUnits)
	case errors.As(err, &be):
		return fail("%v", err)
	case err != nil:
		return fail("not a saved network, or a damaged one: %v", err)
	case m.Format != modelFormat:
		return fail("format is %q, want %q", m.Format, modelFormat)
	case len(m.Sizes) < 2 || m.Sizes[0] != imageSize || m.Sizes[len(m.Sizes)-1] != numDigits:
		return fail("sizes %v: want %d inputs first and %d outputs last", m.Sizes, imageSize, numDigits)
	case len(m.Layers) != len(m.Sizes)-1:
		return fail("%d layers for sizes %v, want %d", len(m.Layers), m.Sizes, len(m.Sizes)-1)
	case m.Results.Epochs != nil && (*m.Results.Epochs < 0 || *m.Results.Epochs > maxSavedEpochs):
		return fail("results.epochs_trained %d: want a count of epochs, 0 to %d", *m.Results.Epochs, maxSavedEpochs)
	}
	epochs := -1
	if m.Results.Epochs != nil {
		epochs = int(*m.Results.Epochs)
	}
	// Every shape first, then the memory they imply, and only then the network's matrices.
	for l, sl := range m.Layers {
		n, units := m.Sizes[l], m.Sizes[l+1]
		if units < 1 || units > maxHiddenUnits {
			return fail("layer %d has %d units", l+1, units)
		}
		if len(sl.W) != units || len(sl.B) != units {
			return fail("layer %d: W has %d rows and b %d values, want %d (one per unit)", l+1, len(sl.W), len(sl.B), units)
		}
		for j, row := range sl.W {
			if len(row) != n {
				return fail("layer %d: unit %d has %d weights, want %d", l+1, j, len(row), n)
			}
		}
	}
	if err := checkMemory("-load "+path, m.Sizes, batch, workers, decoded); err != nil {
		return nil, 0, err
	}
	net := &Network{Sizes: m.Sizes}
	for l, sl := range m.Layers {
		layer := Layer{W: newMatrix(m.Sizes[l+1], m.Sizes[l]), B: sl.B}
		for j, row := range sl.W {
			copy(layer.W.row(j), row)
		}
		if v, bad := layer.nonFinite(); bad {
			return fail("layer %d holds %v", l+1, v)
		}
		net.Layers = append(net.Layers, layer)
	}
	if err := net.passesFinite(); err != nil {
		return fail("%v; a network it trained never gets there", err)
	}
	return net, epochs, nil
}

// maxPassValue bounds what passesFinite lets an a or a δ reach: 2^1000, about 1e301, which
// leaves room below the largest float64 (about 1.8e308) for the loss's sum over ten outputs
// and for a mini-batch's sums of gradients.
const maxPassValue = 0x1p1000

// passesFinite fails if some input, each of its 784 values in 0..1, could make an a or a δ of
// net's passes reach maxPassValue, where the passes would soon give ±Inf or NaN (a network of
// finite weights of 1e308 answers every ŷ 1 and an L of NaN). It bounds them from the weights,
// in the order of the passes:
//
//	|a_j| ≤ Σ_i |W_ji| + |b_j|                   each input of a layer is in 0..1: a pixel, or σ
//	|δ|   ≤ 1 at the output (σ(a) − y)
//	|δ_i| ≤ ¼ · max_i Σ_j |W_{l+1,ji}| · max|δ_{l+1}|   since σ′ ≤ ¼
//
// The sums are taken in one order, so the verdict is the same on every computer.
func (net *Network) passesFinite() error {
	for l, layer := range net.Layers {
		for j := 0; j < layer.W.Rows; j++ {
			sum := math.Abs(layer.B[j])
			for _, w := range layer.W.row(j) {
				sum += math.Abs(w)
			}
			if !(sum < maxPassValue) {
				return fmt.Errorf("layer %d, unit %d: its |W| and |b| sum to %.3g, so a = W·x + b could pass %.3g, the most this program allows", l+1, j, sum, maxPassValue)
			}
		}
	}
	delta := 1.0 // the output's |δ| = |σ(a) − y| ≤ 1
	for l := len(net.Layers) - 1; l >= 1; l-- {
		w := net.Layers[l].W
		cols := make([]float64, w.Cols) // Σ_j |W_ji| for each input i
		for j := 0; j < w.Rows; j++ {
			for i, v := range w.row(j) {
				cols[i] += math.Abs(v)
			}
		}
		largest := 0.0
		for _, c := range cols {
			largest = max(largest, c)
		}
		if delta = float64(delta*largest) / 4; !(delta < maxPassValue) {
			return fmt.Errorf("layer %d: the weights of layers %d to %d bound its δ only by %.3g, so δ could pass %.3g, the most this program allows", l, l+1, len(net.Layers), delta, maxPassValue)
		}
	}
	return nil
}

// startingNetwork returns the -load network at path load, its memory checked with mini-batches
// of batch and the number of workers (readModel), or, without one, a new one of the given sizes
// from seed, whose size was checked with the flags; and the epochs it had been trained: those its
// file says, −1 if it does not, 0 for a new one.
func startingNetwork(load string, sizes []int, seed uint64, batch, workers int) (*Network, int, error) {
	if load == "" {
		return newNetwork(sizes, seed), 0, nil
	}
	return readModel(load, batch, workers)
}

// Small tools on a network: checking its numbers, copying it, naming its sizes.

// clone returns a copy of net that shares no memory with it.
func (net *Network) clone() *Network {
	c := &Network{Sizes: append([]int(nil), net.Sizes...)}
	for _, layer := range net.Layers {
		c.Layers = append(c.Layers, layer.clone())
	}
	return c
}

// clone returns a copy of the layer that shares no memory with it.
func (layer Layer) clone() Layer {
	c := Layer{W: newMatrix(layer.W.Rows, layer.W.Cols), B: make([]float64, len(layer.B))}
	copy(c.W.Data, layer.W.Data)
	copy(c.B, layer.B)
	return c
}

// copyInto copies net's weights and biases into dst, a network of the same sizes.
func (net *Network) copyInto(dst *Network) {
	for l, layer := range net.Layers {
		copy(dst.Layers[l].W.Data, layer.W.Data)
		copy(dst.Layers[l].B, layer.B)
	}
}
