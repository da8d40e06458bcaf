package speech

import (
	"bytes"
	"encoding/binary"
	"math"
	"testing"
)

// sineWAV renders a tone as a canonical 16-bit PCM mono WAV file.
func sineWAV(seconds, hz float64, rate int) []byte {
	n := int(seconds * float64(rate))
	samples := make([]int16, n)
	for i := range samples {
		samples[i] = int16(0.5 * math.MaxInt16 * math.Sin(2*math.Pi*hz*float64(i)/float64(rate)))
	}
	const channels, bits = 1, 16
	dataLen := uint32(n * channels * bits / 8)
	var b bytes.Buffer
	le := func(v any) { binary.Write(&b, binary.LittleEndian, v) }
	b.WriteString("RIFF")
	le(36 + dataLen)
	b.WriteString("WAVEfmt ")
	le(uint32(16))                         // fmt chunk size
	le(uint16(1))                          // PCM
	le(uint16(channels))                   //
	le(uint32(rate))                       //
	le(uint32(rate * channels * bits / 8)) // byte rate
	le(uint16(channels * bits / 8))        // block align
	le(uint16(bits))                       //
	b.WriteString("data")
	le(dataLen)
	le(samples)
	return b.Bytes()
}

// wavInfo is what checkWAV reads from a canonical WAV header.
type wavInfo struct {
	format, channels, bits uint16
	rate, dataLen          uint32
}

// checkWAV fails the test unless b is a well-formed RIFF/WAVE file whose
// chunk sizes match its length.
func checkWAV(t *testing.T, b []byte) wavInfo {
	t.Helper()
	if len(b) < 44 || string(b[0:4]) != "RIFF" || string(b[8:16]) != "WAVEfmt " || string(b[36:40]) != "data" {
		t.Fatalf("not a canonical WAV header: % x", b[:min(len(b), 44)])
	}
	le := binary.LittleEndian
	if got := le.Uint32(b[4:8]); int(got) != len(b)-8 {
		t.Fatalf("RIFF size %d, file has %d bytes after it", got, len(b)-8)
	}
	info := wavInfo{
		format:   le.Uint16(b[20:22]),
		channels: le.Uint16(b[22:24]),
		rate:     le.Uint32(b[24:28]),
		bits:     le.Uint16(b[34:36]),
		dataLen:  le.Uint32(b[40:44]),
	}
	if int(info.dataLen) != len(b)-44 {
		t.Fatalf("data size %d, file has %d bytes of data", info.dataLen, len(b)-44)
	}
	return info
}

func TestSineWAV(t *testing.T) {
	b := sineWAV(0.5, 440, 16000)
	got := checkWAV(t, b)
	want := wavInfo{format: 1, channels: 1, bits: 16, rate: 16000, dataLen: 16000}
	if got != want {
		t.Fatalf("header %+v, want %+v", got, want)
	}
}
