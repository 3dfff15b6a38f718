package simulate

import (
	"bytes"
	"fmt"

	"github.com/duxin-ai/duxin/recommend"
	"github.com/duxin-ai/duxin/sampledata"
)

// SamplePhrasebook returns the wallet phrasebook of the sample data (the
// event vocabulary the sample knowledge base's triggers and the simulator
// speak), parsed fresh on each call.
func SamplePhrasebook() (*recommend.Phrasebook, error) {
	p, err := recommend.ReadPhrasebook(bytes.NewReader(sampledata.PhrasebookYAML()), "sampledata/phrasebook.yaml")
	if err != nil {
		return nil, fmt.Errorf("simulate: %w", err)
	}
	return p, nil
}

// Attributes the simulator derives rather than draws: an amount in yuan
// within the event's band.
const (
	attrAmount = "amount"      // format amount: decimal yuan, derived from the band
	attrBand   = "amount_band" // small | medium | large
)

// attrSpec is one attribute the simulator draws: from values, or derived
// (amount and amount_band), or a small integer (days).
type attrSpec struct {
	name    string
	values  []string
	integer bool
}

// vocabulary returns each event type's attributes, in the phrasebook's
// order.
func vocabulary(p *recommend.Phrasebook) map[string][]attrSpec {
	v := map[string][]attrSpec{}
	for typ, ev := range p.Events {
		for _, a := range ev.Attrs {
			v[typ] = append(v[typ], attrSpec{name: a.Name, values: a.Values, integer: a.Format == "integer"})
		}
	}
	return v
}

// smallIntegers are the values an integer attribute (days overdue) takes.
var smallIntegers = []string{"1", "3", "7", "15"}
