// The mbedTLS 2.28 backend of the TLS layer (MG_SSL_IF_MBEDTLS): being
// written.
#include "tls_internal.h"

#if MG_ENABLE_SSL && MG_SSL_IF == MG_SSL_IF_MBEDTLS
#error "MG_SSL_IF_MBEDTLS: the mbedTLS backend is not built yet"
#endif
