package speech

import "slices"

// Voices are the TTS voices a client may ask for.
var Voices = []string{"alloy", "echo", "fable", "onyx", "nova", "shimmer"}

// AudioFormats are the recording formats accepted for transcription.
var AudioFormats = []string{"webm", "mp3", "wav", "ogg"}

// ttsFormats are the output formats the speech endpoint can produce.
var ttsFormats = []string{"mp3", "opus", "aac", "flac", "wav", "pcm"}

// audioContentTypes label the uploaded file part; the API goes by the
// filename extension, but a truthful type helps proxies and logs.
var audioContentTypes = map[string]string{
	"webm": "audio/webm",
	"mp3":  "audio/mpeg",
	"wav":  "audio/wav",
	"ogg":  "audio/ogg",
}

const (
	// MaxAudioBytes is the API's own upload limit (decoded bytes).
	MaxAudioBytes = 25 << 20
	// MaxSpeechChars is the API's input limit, in characters, not bytes.
	MaxSpeechChars = 4096
	// maxSpeechBytes caps a synthesis answer so a misbehaving provider
	// cannot exhaust memory; real answers for 4096 characters are far smaller.
	maxSpeechBytes = 50 << 20
)

// Speed limits accepted by the speech endpoint.
const MinSpeed, MaxSpeed = 0.25, 4.0

// ValidVoice reports whether v is one of Voices.
func ValidVoice(v string) bool { return slices.Contains(Voices, v) }

// ValidFormat reports whether f is one of AudioFormats.
func ValidFormat(f string) bool { return slices.Contains(AudioFormats, f) }
