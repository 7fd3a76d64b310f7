/**
 * S3 transfer with the AWS SDK v2: a multipart upload stream that aborts on failure, a
 * seekable ranged-read stream, server-side encryption settings, and an in-process
 * S3-compatible server for the embedded default and the tests; failures that name the
 * request (operation, object, endpoint).
 */
package dev.healthscore.io.s3;
