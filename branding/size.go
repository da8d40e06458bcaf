package branding

import (
	"encoding/json"
	"fmt"
	"math"

	"gopkg.in/yaml.v3"
)

// Size is a logo dimension. The file may give a number (40) or a CSS string
// ("2.5rem"); the client receives it in the same form.
type Size struct {
	value any // int, float64 or string
}

// UnmarshalYAML keeps numbers as numbers and everything else as text.
func (s *Size) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: a logo size must be a number or a string", n.Line)
	}
	switch n.ShortTag() {
	case "!!int":
		var v int
		if err := n.Decode(&v); err != nil {
			return err
		}
		s.value = v
	case "!!float":
		var v float64
		if err := n.Decode(&v); err != nil {
			return err
		}
		// JSON has no Inf or NaN.
		if math.IsInf(v, 0) || math.IsNaN(v) {
			return fmt.Errorf("line %d: a logo size must be finite", n.Line)
		}
		s.value = v
	default:
		s.value = n.Value
	}
	return nil
}

// MarshalJSON writes the dimension as given; an unset Size is null.
func (s Size) MarshalJSON() ([]byte, error) {
	return json.Marshal(s.value)
}
