"""The parameter documentation shared by KerasClassifier and KerasRegressor."""

COMMON_PARAMETERS = """\
    model : callable, keras.Model or None, default=None
        None builds an MLP from ``hidden_layer_sizes`` and friends. A callable
        returning a Sequential or Functional ``keras.Model`` (compiled or not)
        is called at each fit with the ``model__*`` parameters as keyword
        arguments, plus ``meta`` (fitted attributes such as ``n_features_in_``,
        ``n_classes_``, ``X_shape_``), ``compile_kwargs`` and ``params`` if it
        names them. A ``keras.Model`` is copied with its weights at each fit.
    hidden_layer_sizes : sequence of int, default=(100,)
        Units of each hidden layer of the built-in MLP.
    activation : str, default="relu"
        Hidden-layer activation: any Keras name (relu, tanh, sigmoid, elu, selu,
        gelu, leaky_relu, silu, ...).
    dropout : float, default=0.0
        Dropout rate after each hidden layer.
    l2 : float, default=0.0
        L2 penalty on the Dense kernels.
    batch_normalization : bool, default=False
        Batch normalization before each hidden activation.
    numeric_embedding : {"periodic", "plr"} or None, default=None
        Embed each numeric input column with more than two distinct values
        (periodic features ``cos(2 pi w x + b)``, a per-column linear map, the
        raw value kept: RealMLP's PBLD; ``"plr"`` adds a ReLU). None feeds
        the columns as they are. Off by default: on the quality benchmark it
        helped some tables a lot (churn +0.016 accuracy) but cost about twice
        the fit time; the default search space tries it. Built-in MLP only.
    categorical_embedding_dim : int, default=8
        Length of the learned vector of each level of a categorical column
        given as a pandas ``category`` column (what
        ``make_tabular_pipeline`` does for columns with at least 10 levels).
        Missing and unseen values share code 0.
    ensemble_heads : int, default=1
        With ``k > 1``, ``k`` ensemble members share the hidden layers, each
        seeing the input through its own trainable scaling (TabM-mini), and
        their outputs are averaged. Costs about ``k`` times the compute.
    optimizer : str, optimizer class or instance, default="adam"
        sgd, momentum (SGD with momentum 0.9), nesterov, rmsprop, adagrad,
        adadelta, adam, adamw, adamax, nadam, ftrl, lion, or a Keras optimizer.
        ``optimizer__*`` parameters go to its constructor.
    learning_rate : float or None, default=1e-3
        Initial learning rate; None keeps the optimizer's own.
    weight_decay : float, default=0.0
        Decoupled weight decay (as AdamW), for any optimizer; 0 turns it off.
    loss : str, callable or keras.losses.Loss, default=None
        None picks the loss that matches the target.
    metrics : list, default=None
        Keras metrics recorded in ``history_``; None means accuracy for
        classifiers and none for regressors.
    epochs : int, default=200
        Maximum number of passes over the training data.
    batch_size : int or None, default=None
        None uses ``min(200, n_samples)``, as scikit-learn's MLP; -1 puts all
        rows in one batch.
    validation_fraction : float or None, default=None
        Share of the training data held out (stratified for classifiers) to
        compute ``val_*`` metrics each epoch. None means 0.1 when
        ``early_stopping`` is on, else no validation data.
    early_stopping : bool, default=True
        Stop when the validation loss (the training loss without validation
        data) has not improved for ``patience`` epochs, and restore the best
        weights. On by default: without it the default network overfits small
        tables (see the tabular recipe in the user guide); ``False`` trains
        all ``epochs`` on all the data.
    patience : int, default=10
        Epochs without improvement tolerated by early stopping; plateau
        detection uses half of it.
    reduce_lr_on_plateau : bool, default=False
        Halve the learning rate when the monitored loss stalls.
    lr_schedule : {"cosine", "exponential", "step"}, callable or None, default=None
        Per-epoch learning-rate schedule; a callable gets ``(epoch, lr)``.
    callbacks : list of keras.callbacks.Callback, default=None
        Extra callbacks for every fit (checkpoints, TensorBoard, ...).
    normalize : bool, default=False
        Put a Keras ``Normalization`` layer, adapted to the training data, in
        front of the model (``make_tabular_pipeline(..., scaler="keras")``).
    warm_start : bool, default=False
        Keep the trained model and continue training at the next fit.
    shuffle : bool, default=True
        Shuffle the training data every epoch.
    verbose : int, default=0
        Keras verbosity during fit.
    random_state : int, RandomState or None, default=None
        Seed for weights, shuffling, dropout and the validation split; the
        same int gives bit-identical predictions run to run, on each Keras
        backend. A RandomState draws a new seed at each fit.
    **kwargs
        Routed parameters: ``model__*`` (builder arguments), ``optimizer__*``,
        ``loss__*``, ``metrics__*``, ``callbacks__*`` (constructor arguments
        of those given as classes), ``compile__*``, ``fit__*``,
        ``predict__*``; and, as in scikeras, bare arguments of the builder,
        ``Model.compile`` or ``Model.fit`` (``run_eagerly=True``)."""

COMMON_ATTRIBUTES = """\
    model_ : keras.Model
        The trained Keras model.
    history_ : dict of str to list of float
        Per-epoch metrics, validation included (``loss``, ``val_loss``, ...).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of str
        Column names seen during fit, when X was a DataFrame.
    feature_categories_ : dict of str to list
        Levels of each ``category`` column of a DataFrame X, by column name
        (code ``i + 1`` is level ``i``; 0 is missing or unseen). Empty when X
        had none."""
