package ingest

func openXLSX(path, name string, opt Options) (Reader, error) {
	return nil, &ParseError{File: name, Err: ErrUnsupported}
}
