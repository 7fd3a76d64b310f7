package dev.healthscore.io.s3;

import java.net.URI;
import java.util.function.Function;

import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.http.SdkHttpRequest;

/**
 * Names, in every exception an S3 client throws, the request that failed: its operation,
 * the bucket and key (or prefix) and the endpoint, with S3's error code. The SDK's own
 * messages say only what the server or the network answered ({@code "Forbidden"},
 * {@code "Read timed out"}), which in a job's log does not tell which bucket, object or
 * endpoint an operator has to look at. The exception keeps its type, status code, error
 * details and causes, so callers tell failures apart as before. A call that timed out can
 * also name the setting that bounds the timeout that ended it.
 */
public final class S3FailureContext implements ExecutionInterceptor {

	private final Function<S3Timeouts.Timeout, String> timeoutSettings;

	/**
	 * Creates an interceptor whose messages name no setting.
	 */
	public S3FailureContext() {
		this((timeout) -> null);
	}

	/**
	 * Creates an interceptor that adds to the message of a call that timed out what
	 * {@code timeoutSettings} says of the timeout that ended it (which setting bounds it,
	 * and its value).
	 * @param timeoutSettings describes the setting of a timeout; may return null
	 */
	public S3FailureContext(Function<S3Timeouts.Timeout, String> timeoutSettings) {
		this.timeoutSettings = timeoutSettings;
	}

	@Override
	public Throwable modifyException(Context.FailedExecution context, ExecutionAttributes executionAttributes) {
		Throwable failure = context.exception();
		if (!(failure instanceof SdkException sdk)) {
			return failure;
		}
		String request = describe(executionAttributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME),
				context.request(), context.httpRequest().map(SdkHttpRequest::getUri).orElse(null));
		String message = (sdk.rawMessage() != null) ? sdk.rawMessage() : sdk.getClass().getSimpleName();
		if (sdk instanceof AwsServiceException service && service.awsErrorDetails() != null) {
			AwsErrorDetails details = service.awsErrorDetails();
			if (sdk.rawMessage() == null && details.errorMessage() != null) {
				message = details.errorMessage();
			}
			if (details.errorCode() != null && !message.contains(details.errorCode())) {
				message = details.errorCode() + ": " + message;
			}
		}
		S3Timeouts.Timeout timeout = S3Timeouts.which(sdk);
		String setting = (timeout != null) ? this.timeoutSettings.apply(timeout) : null;
		if (setting != null) {
			message = message + "; " + setting;
		}
		SdkException named = sdk.toBuilder().message(request + " failed: " + message).build();
		named.setStackTrace(sdk.getStackTrace());
		for (Throwable suppressed : sdk.getSuppressed()) {
			named.addSuppressed(suppressed);
		}
		return named;
	}

	/**
	 * Describes a request, e.g. {@code S3 PutObject s3://bucket/key at http://host:9000}.
	 * @param operation the operation's name, may be null
	 * @param request the request
	 * @param uri the HTTP request's URI, null when the request failed before it had one
	 * @return the description
	 */
	static String describe(String operation, SdkRequest request, URI uri) {
		StringBuilder text = new StringBuilder("S3 ").append((operation != null) ? operation : "request");
		String bucket = request.getValueForField("Bucket", String.class).orElse(null);
		if (bucket != null) {
			String key = request.getValueForField("Key", String.class)
				.or(() -> request.getValueForField("Prefix", String.class))
				.orElse("");
			text.append(" s3://").append(bucket).append('/').append(key);
		}
		if (uri != null) {
			text.append(" at ").append(uri.getScheme()).append("://").append(uri.getHost());
			if (uri.getPort() >= 0) {
				text.append(':').append(uri.getPort());
			}
		}
		return text.toString();
	}

}
