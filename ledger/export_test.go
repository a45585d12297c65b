package ledger

// InitFile lets tests make the creation of a ledger fail.
var InitFile = &initFile
