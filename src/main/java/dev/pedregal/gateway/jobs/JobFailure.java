package dev.pedregal.gateway.jobs;

import java.util.List;

import dev.pedregal.gateway.provisioning.ProvisioningFailure.FieldError;

/** Why a job request was refused. Field errors use the same shape as the provisioning API's problems. */
public abstract sealed class JobFailure extends RuntimeException {

    JobFailure(String message) {
        super(message, null, false, false);
    }

    /** Field-level problems with a JobSpec, all of them at once: 400. */
    public static sealed class Invalid extends JobFailure permits ImageNotAllowed {
        public final List<FieldError> errors;

        public Invalid(List<FieldError> errors) {
            super(errors.size() == 1 ? errors.get(0).field() + ": " + errors.get(0).message()
                    : errors.size() + " fields are invalid: " + errors.stream().map(FieldError::field).toList());
            this.errors = List.copyOf(errors);
        }
    }

    /**
     * The image is not on the platform's allowlist: a 400 like any invalid field, but its own type so that the
     * caller can audit the attempt. {@link #errors} holds the image's error and any others found with it.
     */
    public static final class ImageNotAllowed extends Invalid {
        public final String image;
        public final List<String> allowlist;

        public ImageNotAllowed(String image, List<String> allowlist, List<FieldError> errors) {
            super(errors);
            this.image = image;
            this.allowlist = List.copyOf(allowlist);
        }
    }

    /** The execution cannot take this event in its state (e.g. cancelling a finished job): 409. */
    public static final class IllegalTransition extends JobFailure {
        public final ExecutionState from;
        public final ExecutionEvent event;

        public IllegalTransition(ExecutionState from, ExecutionEvent event) {
            super("an execution in state " + from + " cannot take event " + event
                    + (from.terminal() ? " (it has finished)" : ""));
            this.from = from;
            this.event = event;
        }
    }
}
