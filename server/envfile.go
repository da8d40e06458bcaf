package server

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/joho/godotenv"
)

// EnvFile is a dotenv file's variables (the working directory's .env).
type EnvFile map[string]string

// ReadEnvFile reads the dotenv file at path; a missing file is an empty one.
// Neither the file nor the process environment is written.
func ReadEnvFile(path string) (EnvFile, error) {
	file, err := godotenv.Read(path)
	if errors.Is(err, fs.ErrNotExist) {
		return EnvFile{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("config: unable to read %s: %w", path, err)
	}
	return file, nil
}

// Under layers the file under getenv: a variable getenv has (not empty)
// wins.
func (f EnvFile) Under(getenv func(string) string) func(string) string {
	return func(key string) string {
		if value := getenv(key); value != "" {
			return value
		}
		return f[key]
	}
}
