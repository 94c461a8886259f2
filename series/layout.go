package series

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
)

// Epoch names the files of one epoch.
type Epoch struct {
	Number int
	// Either SafeTensors, or Features and Weights (and optionally Bias,
	// Targets) are set.
	SafeTensors                      string
	Features, Weights, Bias, Targets string
}

// Layout is a training-run directory as Scan finds it.
type Layout struct {
	Dir     string
	Targets string // DIR/targets.npy, shared by every epoch ("" if absent)
	Epochs  []Epoch
}

var (
	npyName = regexp.MustCompile(`^epoch-([0-9]{1,9})\.(features|weights|bias|targets)\.npy$`)
	stName  = regexp.MustCompile(`^epoch-([0-9]{1,9})\.safetensors$`)
)

// Scan reads the layout of dir (see the package documentation): files
// epoch-N.features.npy, epoch-N.weights.npy, optional epoch-N.bias.npy and
// epoch-N.targets.npy, or one epoch-N.safetensors, plus an optional shared
// targets.npy. Other files are ignored. It fails, naming the file, when an
// epoch lacks features or weights, when an epoch has no targets at all,
// when one epoch number is written two ways (epoch-1 and epoch-01), or
// when an epoch mixes .npy and .safetensors files.
func Scan(dir string) (*Layout, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	l := &Layout{Dir: dir}
	byNum := map[int]*Epoch{}
	spelled := map[int]string{}
	get := func(num string) (*Epoch, error) {
		k, _ := strconv.Atoi(num)
		if s, ok := spelled[k]; ok && s != num {
			return nil, fmt.Errorf("%s: epoch %d is written both as epoch-%s and epoch-%s", dir, k, s, num)
		}
		spelled[k] = num
		if byNum[k] == nil {
			byNum[k] = &Epoch{Number: k}
		}
		return byNum[k], nil
	}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() {
			continue
		}
		path := filepath.Join(dir, name)
		if name == "targets.npy" {
			l.Targets = path
			continue
		}
		if m := stName.FindStringSubmatch(name); m != nil {
			ep, err := get(m[1])
			if err != nil {
				return nil, err
			}
			ep.SafeTensors = path
			continue
		}
		m := npyName.FindStringSubmatch(name)
		if m == nil {
			continue
		}
		ep, err := get(m[1])
		if err != nil {
			return nil, err
		}
		switch m[2] {
		case "features":
			ep.Features = path
		case "weights":
			ep.Weights = path
		case "bias":
			ep.Bias = path
		case "targets":
			ep.Targets = path
		}
	}
	for _, ep := range byNum {
		if err := l.check(ep); err != nil {
			return nil, err
		}
		l.Epochs = append(l.Epochs, *ep)
	}
	if len(l.Epochs) == 0 {
		return nil, fmt.Errorf("%s: no epoch files (want epoch-N.features.npy and epoch-N.weights.npy, or epoch-N.safetensors)", dir)
	}
	sort.Slice(l.Epochs, func(i, j int) bool { return l.Epochs[i].Number < l.Epochs[j].Number })
	return l, nil
}

func (l *Layout) check(ep *Epoch) error {
	npy := ep.Features != "" || ep.Weights != "" || ep.Bias != "" || ep.Targets != ""
	switch {
	case ep.SafeTensors != "" && npy:
		return fmt.Errorf("%s: epoch %d has both a .safetensors file and .npy files", l.Dir, ep.Number)
	case ep.SafeTensors != "":
		return nil
	case ep.Features == "":
		return fmt.Errorf("%s: epoch %d has no epoch-%d.features.npy", l.Dir, ep.Number, ep.Number)
	case ep.Weights == "":
		return fmt.Errorf("%s: epoch %d has no epoch-%d.weights.npy", l.Dir, ep.Number, ep.Number)
	case ep.Targets == "" && l.Targets == "":
		return fmt.Errorf("%s: epoch %d has no targets (neither epoch-%d.targets.npy nor targets.npy)", l.Dir, ep.Number, ep.Number)
	}
	return nil
}
